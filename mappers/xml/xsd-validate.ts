/**
 * Schema validation of OpenTravel messages with libxml2 (xmllint-wasm), for tests and tooling.
 * Not for request handling: it compiles the schema set on every call (about a second) and
 * xmllint-wasm is a dev dependency.
 *
 * One call validates any number of documents of different message types: a wrapper schema
 * includes the XSD of each root element found, so the 3 MB OpenTravel schema set is compiled once.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { validateXML } from 'xmllint-wasm';

export interface XsdDocument {
  /** A name for error messages; must be unique within one call. */
  fileName: string;
  xml: string;
}

/** Schema errors per document (empty when valid), in the order the documents were given. */
export type XsdReport = Array<{ fileName: string; valid: boolean; errors: string[] }>;

export interface XsdValidator {
  validate(documents: readonly XsdDocument[]): Promise<XsdReport>;
}

const OTA_NAMESPACE = 'http://www.opentravel.org/OTA/2003/05';
const WRAPPER = '__tidewater-wrapper.xsd';

/** Loads every .xsd in `schemaDir` (e.g. shared/xml/opentravel/2015B) once. */
export function createXsdValidator(schemaDir: string): XsdValidator {
  const files = readdirSync(schemaDir)
    .filter((f) => f.endsWith('.xsd'))
    .sort()
    .map((fileName) => ({ fileName, contents: readFileSync(path.join(schemaDir, fileName), 'utf8') }));
  const available = new Set(files.map((f) => f.fileName));

  return {
    async validate(documents) {
      if (documents.length === 0) return [];
      const roots = new Set<string>();
      for (const doc of documents) {
        const root = rootElementName(doc.xml);
        if (root === undefined || !available.has(`${root}.xsd`)) {
          throw new Error(`${doc.fileName}: no schema ${root ?? '(no root element)'}.xsd in ${schemaDir}`);
        }
        roots.add(root);
      }
      const wrapper =
        `<?xml version="1.0" encoding="UTF-8"?>\n` +
        `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns="${OTA_NAMESPACE}" targetNamespace="${OTA_NAMESPACE}" elementFormDefault="qualified">\n` +
        [...roots].map((r) => `  <xs:include schemaLocation="${r}.xsd"/>\n`).join('') +
        `</xs:schema>\n`;
      const result = await validateXML({
        xml: documents.map((d) => ({ fileName: d.fileName, contents: d.xml })),
        schema: [{ fileName: WRAPPER, contents: wrapper }],
        preload: files,
        initialMemoryPages: 1024,
        maxMemoryPages: 4096,
      });
      const errors = new Map<string, string[]>(documents.map((d) => [d.fileName, []]));
      for (const error of result.errors) {
        const fileName = error.loc?.fileName ?? /^(.+) fails to validate$/.exec(error.rawMessage)?.[1];
        if (fileName === undefined) continue;
        const list = errors.get(fileName);
        if (!list) continue;
        if (error.loc) list.push(`line ${error.loc.lineNumber}: ${error.message}`);
        else if (list.length === 0) list.push(error.message);
      }
      return documents.map((d) => {
        const list = errors.get(d.fileName) ?? [];
        return { fileName: d.fileName, valid: list.length === 0, errors: list };
      });
    },
  };
}

function rootElementName(xml: string): string | undefined {
  // Skips the declaration, comments and processing instructions before the root.
  const match = /^(?:\s|<\?[\s\S]*?\?>|<!--[\s\S]*?-->)*<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)/.exec(xml);
  return match?.[1];
}
