import type { Server } from 'node:http';
import type { Command } from 'commander';
import { createApp } from '../api/app';
import { openRuntime } from './runtime';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the HTTP API (and, unless --no-workers, the outbox relay and channel workers). Applies pending migrations first.')
    .option('--port <n>', 'port to listen on (default: PORT or 8080)')
    .option('--host <host>', 'address to bind', '0.0.0.0')
    .option('--no-workers', 'serve HTTP only; run `tidewater worker` elsewhere')
    .action(async (opts: { port?: string; host: string; workers: boolean }) => {
      const rt = await openRuntime({ migrate: true });
      const port = opts.port !== undefined ? Number(opts.port) : rt.env.PORT;
      const app = createApp({ db: rt.db, logger: rt.logger, maxBody: rt.env.TIDEWATER_MAX_BODY });
      const server: Server = await new Promise((resolve) => {
        const s = app.listen(port, opts.host, () => resolve(s));
      });
      const address = server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      rt.logger.info({ port: actualPort, workers: opts.workers }, 'tidewater serving');
      process.stderr.write(`tidewater listening on http://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${actualPort}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          rt.logger.info('shutting down');
          server.close(() => resolve());
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await rt.close();
    });
}
