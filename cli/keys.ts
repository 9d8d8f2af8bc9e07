import { Command, Option } from 'commander';
import { apiKeyRoles, createApiKey, type ApiKeyRole } from '../db/api-keys-repo';
import { withRuntime } from './runtime';

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('Manage API keys. A key reaches only the property it was made for.');
  keys
    .command('create')
    .description('Create an API key and print it once. Only its SHA-256 hash is stored; a lost key cannot be recovered, only replaced.')
    .requiredOption('--property <code>', 'property code the key is for (it may be created before the property exists)')
    .addOption(
      new Option('--role <role>', 'pms: push ARI and property documents; channel: read ARI, send bookings; admin: everything')
        .choices([...apiKeyRoles])
        .makeOptionMandatory(),
    )
    .action(async (opts: { property: string; role: ApiKeyRole }) => {
      await withRuntime({ migrate: true }, async ({ db }) => {
        const { key } = await createApiKey(db, opts.property, opts.role);
        process.stdout.write(`${key}\n`);
        process.stderr.write(`created ${opts.role} key for property ${opts.property}; store it now, it is not shown again\n`);
      });
    });
}
