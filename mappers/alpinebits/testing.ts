/** Shared by the AlpineBits mapper tests: the official schema and examples, read from ../shared/xml. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { ALPINEBITS_EXAMPLES, SHARED_XML } from '../opentravel/testing';

export { ALPINEBITS_EXAMPLES, FIXED_NOW } from '../opentravel/testing';

export const ALPINEBITS_XSD = path.join(SHARED_XML, 'alpinebits/xsd/alpinebits.xsd');

export function example(name: string): string {
  return readFileSync(path.join(ALPINEBITS_EXAMPLES, name), 'utf8');
}

/**
 * Schema errors per document against the AlpineBits 2024-10 XSD (one self-contained file, so no
 * wrapper schema is needed as for the OpenTravel set). Empty lists when everything is valid.
 */
export async function alpineBitsSchemaErrors(documents: Record<string, string>): Promise<Record<string, string[]>> {
  const names = Object.keys(documents);
  const result = await validateXML({
    xml: names.map((fileName) => ({ fileName, contents: documents[fileName] as string })),
    schema: [{ fileName: 'alpinebits.xsd', contents: readFileSync(ALPINEBITS_XSD, 'utf8') }],
    initialMemoryPages: 1024,
    maxMemoryPages: 4096,
  });
  const errors: Record<string, string[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const error of result.errors) {
    const fileName = error.loc?.fileName ?? /^(.+) fails to validate$/.exec(error.rawMessage)?.[1];
    if (fileName === undefined || !(fileName in errors)) continue;
    (errors[fileName] as string[]).push(error.loc ? `line ${error.loc.lineNumber}: ${error.message}` : error.message);
  }
  return errors;
}
