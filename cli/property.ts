import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { MalformedRequestError } from '../core/errors';
import { importProperty } from '../services/property-service';
import { withRuntime } from './runtime';

export function registerProperty(program: Command): void {
  const property = program.command('property').description('Create and update properties from property documents (JSON).');
  property
    .command('import')
    .description('Create or update a property from a property document; prints what changed. Room types and rate plans missing from the document are deactivated, never deleted.')
    .argument('<file>', 'property document (JSON), or - for stdin')
    .action(async (file: string) => {
      const text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
      let document: unknown;
      try {
        document = JSON.parse(text);
      } catch (e) {
        throw new MalformedRequestError(`${file} is not valid JSON: ${(e as Error).message}`);
      }
      await withRuntime({ migrate: true }, async ({ db }) => {
        const result = await importProperty(db, document);
        const lines = result.changes.length > 0 ? result.changes : ['no changes'];
        process.stdout.write(`${result.code}: ${result.created ? 'created' : 'updated'}\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
      });
    });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
