import { createServer, type Server, type Socket, connect } from 'node:net';

/** A TCP relay to a loopback service, listening where test hosts can reach it. */
export interface Relay {
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Relays connections made to `listenAddress` (a root-side address of this machine that test
 * hosts reach: a host's veth peer or the meeting point) to `targetPort` on 127.0.0.1, for
 * services that listen on loopback only, such as the Telegram emulator. Nothing outside this
 * machine reaches those addresses.
 */
export async function startRelay(listenAddress: string, targetPort: number): Promise<Relay> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = connect(targetPort, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => (s === inbound ? outbound : inbound).destroy());
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, listenAddress, resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('relay has no TCP address');
  return {
    address: listenAddress,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
