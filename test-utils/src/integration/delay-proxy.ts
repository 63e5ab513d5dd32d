/**
 * A loopback reverse proxy that holds back chosen responses: with it, 401s for an old token reach the client after
 * the refresh they caused has finished (late 401s), which a real server answering in microseconds never does.
 */
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DelayProxy {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** How long to hold the response to the `index`-th request (0-based). */
  delay: (index: number) => number;
  /** Status and wall-clock time of each response as it was sent on to the client. */
  readonly answered: readonly { readonly status: number; readonly at: number }[];
  close(): Promise<void>;
}

/** At most this long per response, so that nothing hangs on a wrong delay function. */
const MAX_DELAY_MS = 5_000;

const listen = (server: Server): Promise<AddressInfo> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });

/** Starts a proxy on 127.0.0.1 that forwards everything to `target` (an http origin on loopback). */
export async function startDelayProxy(target: string): Promise<DelayProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true });
  let count = 0;
  const answered: { status: number; at: number }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((incoming, outgoing) => {
    const ms = Math.min(Math.max(0, proxy.delay(count)), MAX_DELAY_MS);
    count += 1;
    const forward = request(
      {
        agent,
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answered.push({ status: answer.statusCode ?? 502, at: Date.now() });
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        }, ms);
        timers.add(timer);
      },
    );
    forward.on('error', () => outgoing.destroy());
    incoming.pipe(forward);
  });
  const { port } = await listen(server);
  let closing: Promise<void> | undefined;
  const proxy: DelayProxy = {
    origin: `http://127.0.0.1:${port}`,
    delay: () => 0,
    answered,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      });
      return closing;
    },
  };
  return proxy;
}
