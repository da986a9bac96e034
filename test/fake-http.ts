import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the in-process fakes (GitHub, DigitalOcean, Stripe) share: a server on 127.0.0.1 at a free
 * port that handles one request at a time, so a test sees the same interleaving every run, and
 * reading a request body. Each fake keeps its own routes, auth and error shapes.
 */
export interface SerialServer {
  readonly server: Server;
  readonly url: string;
  readonly port: number;
  /** Settles once every request received so far has been answered. */
  readonly idle: () => Promise<void>;
}

/** `handle` must answer its own failures: a rejection would stall the queue behind it. */
export async function listenSerially(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<SerialServer> {
  let queue: Promise<void> = Promise.resolve();
  const server = createServer((req, res) => {
    queue = queue.then(() => handle(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, port, idle: () => queue };
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
