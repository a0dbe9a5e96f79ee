// A TCP relay in front of a database the tests do not own (a MongoDB given by MONGODB_URI): Kept's
// processes connect through it, so a spec can take that database away as if it had stopped
// (connections reset, new ones refused) or frozen (sockets open, nothing answers), and give it
// back, without touching the server itself (test/e2e/own-stack.ts, the faults spec).
import net from 'node:net';

export interface DbProxy {
  /** The local port the relay listens on (127.0.0.1), kept across stop() and start(). */
  port: number;
  /** Resets every open connection and refuses new ones, as a stopped database does. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** Frozen, nothing is relayed in either direction (connections open and queue); thawed, it all flows again. */
  freeze(frozen: boolean): void;
}

export async function startDbProxy(target: { host: string; port: number }): Promise<DbProxy> {
  const sockets = new Set<net.Socket>();
  let frozen = false;
  let server: net.Server | undefined;

  const relay = (client: net.Socket) => {
    const upstream = net.connect(target);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      // Either side failing ends both, as a dead server ends the driver's connection.
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    if (frozen) for (const socket of [client, upstream]) socket.pause();
  };

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const s = net.createServer(relay);
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        server = s;
        resolve((s.address() as net.AddressInfo).port);
      });
    });

  const port = await listen(0);
  return {
    port,
    async stop() {
      const s = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    async start() {
      if (!server) await listen(port);
    },
    freeze(value: boolean) {
      frozen = value;
      for (const socket of sockets) {
        if (value) socket.pause();
        else socket.resume();
      }
    },
  };
}
