/**
 * Helpers for the webhook routes' hostile-input tests (not a test itself): requests that fetch
 * cannot make.
 */
import { request as httpRequest } from 'node:http';

export const FIVE_MB = 5 * 1024 * 1024;

export interface RawAnswer {
  readonly status: number;
  readonly body: string;
  readonly ms: number;
}

/**
 * A POST with node:http, where fetch cannot go: headers announcing a body that is never sent
 * (`announce`), or a body streamed in chunks without a Content-Length (`chunks`). Resolves on the
 * answer; the socket is then destroyed, so an unsent body does not hold the test.
 */
export function rawPost(url: string, opts: { headers: Record<string, string>; announce?: number; chunks?: { size: number; count: number } }): Promise<RawAnswer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: 'POST',
      headers: { ...opts.headers, ...(opts.announce !== undefined ? { 'content-length': String(opts.announce) } : {}) },
    });
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8'), ms: performance.now() - started });
        req.destroy();
      });
    });
    // The server may close the connection while the rest of the body is still being written.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    if (opts.chunks) {
      const chunk = Buffer.alloc(opts.chunks.size, 'x');
      let left = opts.chunks.count;
      const write = () => {
        while (left > 0 && !req.destroyed) {
          left -= 1;
          if (!req.write(chunk)) return void req.once('drain', write);
        }
        if (!req.destroyed) req.end();
      };
      write();
    } else {
      req.flushHeaders();
    }
  });
}

