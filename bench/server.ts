/**
 * The benchmark's HTTP server: node:http on 127.0.0.1 (random port), in a child process of its own, so that the
 * bench process's CPU time is the client's alone. It answers `GET /data` with a small JSON body when the request
 * carries `Authorization: Bearer <token>`, and 401 otherwise, and counts both, so that the bench can prove that
 * every measured request was authorized.
 *
 * The token comes over the IPC channel, not the command line; the child exits when the parent goes away.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface ServerCounts {
  readonly ok: number;
  readonly unauthorized: number;
}

export interface BenchServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** The server's counters so far. */
  counts(): Promise<ServerCounts>;
  /** Closes the server (keep-alive sockets included) and waits for its process to end; the final counts. */
  close(): Promise<ServerCounts>;
}

type ToServer =
  | { readonly type: 'start'; readonly token: string }
  | { readonly type: 'counts' }
  | { readonly type: 'close' };
type FromServer =
  | { readonly type: 'listening'; readonly port: number }
  | { readonly type: 'counts'; readonly counts: ServerCounts };

const ROLE_FLAG = '--tokenrelay-bench-server';
const BODY = JSON.stringify({ ok: true, items: [1, 2, 3], message: 'hello from the bench server' });
const UNAUTHORIZED = JSON.stringify({ error: 'invalid_token' });

/** Runs in the child process. */
async function serve(token: string, send: (message: FromServer, sent?: () => void) => void): Promise<void> {
  const expected = `Bearer ${token}`;
  let ok = 0;
  let unauthorized = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    // The bench sends GETs without a body; resume() drains anything else so that the socket stays usable.
    request.resume();
    if (request.headers.authorization !== expected) {
      unauthorized += 1;
      response.writeHead(401, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(UNAUTHORIZED),
        'www-authenticate': 'Bearer error="invalid_token"',
      });
      response.end(UNAUTHORIZED);
      return;
    }
    ok += 1;
    response.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(BODY),
    });
    response.end(BODY);
  });
  // Long enough that the pause between two parts of the bench never closes a keep-alive socket under a client.
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  send({ type: 'listening', port: (server.address() as AddressInfo).port });
  process.on('message', (message: ToServer) => {
    if (message.type === 'counts') {
      send({ type: 'counts', counts: { ok, unauthorized } });
    } else if (message.type === 'close') {
      server.closeAllConnections();
      server.close(() => send({ type: 'counts', counts: { ok, unauthorized } }, () => process.disconnect()));
    }
  });
}

const nextMessage = async <T extends FromServer['type']>(
  child: ChildProcess,
  type: T,
  timeoutMs: number,
): Promise<Extract<FromServer, { type: T }>> => {
  const signal = AbortSignal.timeout(timeoutMs);
  for (;;) {
    const [message] = (await once(child, 'message', { signal })) as [FromServer];
    if (message.type === type) return message as Extract<FromServer, { type: T }>;
  }
};

/** Starts the server in a child process (the same Node) and waits until it listens. */
export async function startBenchServer(token: string): Promise<BenchServer> {
  const child = fork(fileURLToPath(import.meta.url), [ROLE_FLAG], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  try {
    const listening = nextMessage(child, 'listening', 15_000);
    child.send({ type: 'start', token } satisfies ToServer);
    const { port } = await listening;
    const ask = async (type: 'counts' | 'close'): Promise<ServerCounts> => {
      const reply = nextMessage(child, 'counts', 10_000);
      child.send({ type } satisfies ToServer);
      return (await reply).counts;
    };
    return {
      origin: `http://127.0.0.1:${port}`,
      counts: () => ask('counts'),
      close: async () => {
        try {
          return await ask('close');
        } finally {
          await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
          if (child.exitCode === null && child.signalCode === null) child.kill();
        }
      },
    };
  } catch (error) {
    child.kill();
    throw error;
  }
}

if (process.argv.includes(ROLE_FLAG) && process.send !== undefined) {
  const send = (message: FromServer, sent?: () => void): void => {
    process.send?.(message, undefined, undefined, () => sent?.());
  };
  // The parent is gone (finished or crashed): so is the server.
  process.on('disconnect', () => process.exit(0));
  const [start] = (await once(process, 'message')) as [ToServer];
  if (start.type !== 'start') throw new Error('the bench server expects a start message first');
  await serve(start.token, send);
}
