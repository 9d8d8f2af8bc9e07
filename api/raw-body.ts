import type { Request } from 'express';

/** What the router keeps of a body: all of it, or only its head when it exceeds the limit. */
export interface ReadBody {
  bytes: Buffer;
  tooLarge: boolean;
}

/**
 * Reads the body up to `maxBytes`. Past the limit it keeps only what it has (the head, enough to
 * find the root element and EchoToken for the answer) and stops reading, so a huge upload costs
 * neither memory nor time.
 */
export function readBody(req: Request, maxBytes: number): Promise<ReadBody> {
  const declared = Number(req.header('content-length'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (tooLarge: boolean) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      resolve({ bytes: Buffer.concat(chunks), tooLarge });
    };
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > maxBytes) {
        chunks.push(chunk.subarray(0, Math.max(0, Math.min(chunk.length, 4096 - size))));
        // Drain (and discard) the rest so the client can read the answer instead of a reset.
        req.resume();
        finish(true);
        return;
      }
      size += chunk.length;
      chunks.push(chunk);
    };
    if (Number.isFinite(declared) && declared > maxBytes) {
      // The announced size is enough to refuse; read one chunk only, for the root and EchoToken.
      req.once('data', (chunk: Buffer) => {
        chunks.push(chunk.subarray(0, 4096));
        req.resume();
        finish(true);
      });
      req.once('end', () => finish(true));
      req.once('error', reject);
      return;
    }
    req.on('data', onData);
    req.once('end', () => finish(false));
    req.once('error', (error) => (done ? undefined : reject(error)));
  });
}

/** '5mb', '512kb', '1048576' → bytes (the TIDEWATER_MAX_BODY forms). */
export function parseByteSize(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(value);
  if (!match) throw new RangeError(`not a size such as 5mb: "${value}"`);
  const unit = (match[2] ?? 'b').toLowerCase();
  const factor = unit === 'gb' ? 1024 ** 3 : unit === 'mb' ? 1024 ** 2 : unit === 'kb' ? 1024 : 1;
  return Math.floor(Number(match[1]) * factor);
}
