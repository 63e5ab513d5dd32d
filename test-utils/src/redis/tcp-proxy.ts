/**
 * A small TCP proxy on 127.0.0.1 for network faults between a client and a server: added latency (each chunk held
 * back `latencyMs`, order kept), and partitions (connections cut and new ones refused, or held silently open).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export type Partition = 'refuse' | 'blackhole';

export interface TcpProxy {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` (the proxy speaks whatever the target speaks). */
  readonly url: string;
  /** Delay added to every chunk in each direction. Default 0. At most 5_000 ms. */
  latencyMs: number;
  /** `refuse`: cut every connection and refuse new ones. `blackhole`: accept and drop every byte, answer nothing. */
  partition(kind: Partition): void;
  /** Ends the partition; connections that lost bytes to a blackhole are cut, so no client reads a stale reply. */
  heal(): void;
  /** Connections opened through the proxy so far. */
  readonly connections: number;
  close(): Promise<void>;
}

const MAX_LATENCY_MS = 5_000;

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let mode: Partition | undefined;
  let opened = 0;

  /** Forwards `from` to `to`, each chunk after the latency, never out of order. */
  const pipe = (from: Socket, to: Socket): void => {
    let lastAt = 0;
    from.on('data', (chunk) => {
      if (mode === 'blackhole') return;
      const latency = Math.min(Math.max(0, proxy.latencyMs), MAX_LATENCY_MS);
      if (latency === 0 && lastAt <= Date.now()) {
        to.write(chunk);
        return;
      }
      const at = Math.max(Date.now() + latency, lastAt);
      lastAt = at;
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!to.destroyed) to.write(chunk);
      }, at - Date.now());
      timers.add(timer);
    });
  };

  const server: Server = createServer((client) => {
    if (mode === 'refuse') {
      client.destroy();
      return;
    }
    opened += 1;
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    pipe(client, upstream);
    pipe(upstream, client);
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });

  const proxy: TcpProxy = {
    port,
    url: `redis://127.0.0.1:${port}`,
    latencyMs: 0,
    get connections() {
      return opened;
    },
    partition(kind) {
      mode = kind;
      if (kind === 'refuse') for (const socket of sockets) socket.destroy();
    },
    heal() {
      if (mode === 'blackhole') for (const socket of sockets) socket.destroy();
      mode = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return proxy;
}
