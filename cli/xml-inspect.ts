import { readFile, stat } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { MalformedRequestError } from '../core/errors';
import { genericTree, inspectXml, type XmlStandard } from '../mappers/opentravel';
import { XmlMessageError } from '../mappers/xml/errors';
import { renderGenericTree } from '../mappers/xml/generic-tree';
import { DEFAULT_MAX_BYTES, parseXml } from '../mappers/xml/parse';

export function registerXml(program: Command): void {
  const xml = program.command('xml').description('Read OpenTravel and AlpineBits XML messages without touching the database.');
  xml
    .command('inspect')
    .description(
      'Parses an OpenTravel / AlpineBits message and prints its normalized JSON: ARI updates for ' +
        'OTA_HotelAvailNotifRQ, OTA_HotelInvCountNotifRQ and OTA_HotelRateAmountNotifRQ, the outcome of their RSs, ' +
        'a generic tree for any other OTA_* message. Exits 1 with the line, element and reason if the message cannot be read.',
    )
    .argument('<file>', 'XML message, or - for stdin')
    .addOption(
      new Option('--standard <standard>', 'read with these rules instead of detecting them from the message').choices(['opentravel', 'alpinebits']),
    )
    .option(
      '--xml',
      'print the message back as XML instead of JSON, written from what the reader keeps (every element, attribute and text, in order; ' +
        'prefixes, comments, xsi:* attributes and layout are not kept): two messages that read the same print the same',
    )
    .action(async (file: string, opts: { standard?: XmlStandard; xml?: boolean }) => {
      const source = file === '-' ? 'stdin' : file;
      const bytes = file === '-' ? await readStdin(DEFAULT_MAX_BYTES) : await readMessageFile(file, DEFAULT_MAX_BYTES);
      let result;
      try {
        result = inspectXml(bytes, opts.standard ? { standard: opts.standard } : {});
      } catch (error) {
        throw error instanceof XmlMessageError ? error.withSource(source) : error;
      }
      if (opts.xml) {
        // Read in full first, so --xml fails exactly where the JSON would; the tree is then built
        // for every root, since a domain form (ARI updates, bookings) is not the whole message.
        const namespace = result.namespace;
        process.stdout.write(renderGenericTree(genericTree(parseXml(bytes)), namespace !== undefined ? { namespace } : {}));
        return;
      }
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    });
}

function tooLarge(source: string, maxBytes: number): XmlMessageError {
  return new XmlMessageError({ problem: 'too-large', reason: `the message is larger than ${maxBytes / (1024 * 1024)} MB`, source });
}

/** Bytes, not text: the reader honours the encoding the XML declaration names. */
async function readMessageFile(file: string, maxBytes: number): Promise<Uint8Array> {
  try {
    if ((await stat(file)).size > maxBytes) throw tooLarge(file, maxBytes);
    return await readFile(file);
  } catch (error) {
    if (error instanceof XmlMessageError) throw error;
    throw new MalformedRequestError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

async function readStdin(maxBytes: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    total += buffer.byteLength;
    // Stop reading at the limit rather than buffering whatever is piped in.
    if (total > maxBytes) throw tooLarge('stdin', maxBytes);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
