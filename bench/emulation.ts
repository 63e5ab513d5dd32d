/**
 * The OAuth2 emulation of test-utils (rotation and reuse detection on), served on 127.0.0.1 listeners in a child
 * process of its own, so that its CPU time and heap are not the client's. The parent drives it over IPC.
 *
 * Two additions in front of the emulation, both needed to measure the peers fairly:
 * - access tokens are handed out JWT-shaped (`{"alg":"none"}` header, `{"exp", "sub"}` payload, the emulation's
 *   opaque token in `sub`), because axios-jwt decides expiry by decoding the token and fails on anything else;
 *   the API listener unwraps them before the emulation checks them;
 * - a gate on the token endpoint, so the scale bench can hold the one refresh while it measures the heap of the
 *   requests waiting for it, and learn when the token response left.
 *
 * It also counts what the leak scenarios need: requests to the third-party origin that carried an Authorization
 * header, and API requests that carried none.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { TokenFault } from '@tokenrelay/test-utils';

export interface EmulationCounts {
  readonly tokenCalls: number;
  readonly successfulRefreshes: number;
  readonly reuseDetections: number;
  readonly apiRequests: number;
  readonly unauthorized: number;
  /** API requests without an Authorization header. */
  readonly unauthenticated: number;
  /** Requests to the third-party origin that carried an Authorization header. */
  readonly leakedToOther: number;
  /** `performance.timeOrigin + performance.now()` when the latest token response was handed to the socket. */
  readonly lastTokenResponseAt: number;
}

export interface BenchTokens {
  /** JWT-shaped. */
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Epoch ms, as the client should believe it. */
  readonly expiresAt: number;
}

export interface IssueOptions {
  /** The server already treats the access token as expired. */
  readonly expiredAtServer: boolean;
  /** The client is told it is expired (`expiresAt`, the JWT's `exp`) too. */
  readonly expiredAtClient: boolean;
}

export interface Emulation {
  readonly authOrigin: string;
  readonly apiOrigin: string;
  readonly otherOrigin: string;
  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Forgets every grant, counter and fault; opens the gate. */
  reset(): Promise<void>;
  issue(options: IssueOptions): Promise<BenchTokens>;
  /** Every access token issued so far is expired at the server (the clients still believe them fresh). */
  expireAccessTokens(): Promise<void>;
  revokeGrants(): Promise<void>;
  enqueueTokenFaults(faults: readonly TokenFault[]): Promise<void>;
  /** Latency (ms) for API requests by index (0-based, as the server counts them): `[from, to, ms]` ranges. */
  setApiLatency(ranges: readonly (readonly [number, number, number])[]): Promise<void>;
  /** Token calls wait at the gate until `openGate()`. */
  closeGate(): Promise<void>;
  openGate(): Promise<void>;
  /** Token calls waiting at the gate. */
  counts(): Promise<EmulationCounts & { readonly waitingAtGate: number }>;
  close(): Promise<void>;
}

const CLIENT_ID = 'bench-client';
const CLIENT_SECRET = 'bench-client-secret';

type Command =
  | { readonly op: 'reset' }
  | { readonly op: 'issue'; readonly options: IssueOptions }
  | { readonly op: 'expire' }
  | { readonly op: 'revoke' }
  | { readonly op: 'faults'; readonly faults: readonly TokenFault[] }
  | { readonly op: 'latency'; readonly ranges: readonly (readonly [number, number, number])[] }
  | { readonly op: 'gate'; readonly closed: boolean }
  | { readonly op: 'counts' }
  | { readonly op: 'close' };

interface Envelope {
  readonly id: number;
  readonly command: Command;
}
interface Reply {
  readonly id: number;
  readonly value?: unknown;
  readonly error?: string;
}

const ROLE_FLAG = '--tokenrelay-bench-emulation';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const JWT_HEADER = b64({ alg: 'none', typ: 'JWT' });

/** JWT-shaped wrapper of an opaque token (unsigned: only its shape matters to the peers). */
const wrap = (opaque: string, expSeconds: number): string =>
  `${JWT_HEADER}.${b64({ exp: expSeconds, sub: opaque })}.bench`;

const unwrap = (token: string): string => {
  const payload = token.split('.')[1];
  if (payload === undefined) return token;
  try {
    const { sub } = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub?: unknown };
    return typeof sub === 'string' ? sub : token;
  } catch {
    return token;
  }
};

const nowMs = (): number => performance.timeOrigin + performance.now();

interface Listener {
  readonly origin: string;
  close(): Promise<void>;
}

/**
 * A Fetch-API handler on 127.0.0.1, like test-utils' `listenLoopback()`, but sized for tens of thousands of
 * requests over thousands of keep-alive connections: a long keep-alive timeout (Node's 5 s default closes sockets
 * that a busy client is about to reuse: "socket hang up", which would measure the server, not the library) and a
 * deep accept backlog. GET bodies only matter to the token endpoint (a small form), so bodies are buffered whole.
 */
async function listen(handle: (request: Request) => Promise<Response>): Promise<Listener> {
  let origin = '';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const run = async (): Promise<void> => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers = new Headers();
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i] ?? '';
        if (/^(connection|keep-alive|transfer-encoding|upgrade)$/i.test(name)) continue;
        headers.append(name, req.rawHeaders[i + 1] ?? '');
      }
      const method = req.method ?? 'GET';
      const init: RequestInit = { method, headers };
      if (chunks.length > 0) init.body = new Uint8Array(Buffer.concat(chunks));
      const response = await handle(new Request(new URL(req.url ?? '/', origin), init));
      if (response.type === 'error') {
        req.socket.destroy();
        return;
      }
      const out: Record<string, string> = {};
      for (const [name, value] of response.headers) out[name] = value;
      const payload = Buffer.from(await response.arrayBuffer());
      res.writeHead(response.status, out);
      res.end(payload);
    };
    run().catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('emulation failure');
    });
  });
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 0;
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', backlog: 8192 }, () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Runs in the child process. */
async function serve(): Promise<void> {
  const { createOAuthServer } = await import('@tokenrelay/test-utils');
  // The listeners start first; the emulation is then configured with their origins, so that requests reach it
  // as they arrived (no copy) and its redirects point at the live third-party listener.
  let emu: ReturnType<typeof createOAuthServer> | undefined;
  const emulation = (): ReturnType<typeof createOAuthServer> => {
    if (emu === undefined) throw new Error('the emulation is not ready');
    return emu;
  };
  let unauthenticated = 0;
  let leakedToOther = 0;
  let lastTokenResponseAt = 0;
  let gate: { promise: Promise<void>; open: () => void } | undefined;
  let waitingAtGate = 0;
  let latency: readonly (readonly [number, number, number])[] = [];

  const auth = await listen(async (request) => {
    if (gate !== undefined && new URL(request.url).pathname === '/token') {
      waitingAtGate += 1;
      await gate.promise;
      waitingAtGate -= 1;
    }
    const response = await emulation().handle(request);
    if (response.status !== 200) {
      lastTokenResponseAt = nowMs();
      return response;
    }
    const body = (await response.json()) as Record<string, unknown>;
    if (typeof body.access_token === 'string') {
      const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : 3600;
      body.access_token = wrap(body.access_token, Math.floor(Date.now() / 1000) + expiresIn);
    }
    lastTokenResponseAt = nowMs();
    return Response.json(body, { status: 200, headers: { 'cache-control': 'no-store' } });
  });
  const api = await listen((request) => {
    const authorization = request.headers.get('authorization');
    if (authorization === null) unauthenticated += 1;
    else {
      const match = /^Bearer +(\S+)$/i.exec(authorization);
      // A Request's headers may be changed (Authorization is not a forbidden header).
      if (match?.[1] !== undefined) request.headers.set('authorization', `Bearer ${unwrap(match[1])}`);
    }
    return emulation().handle(request);
  });
  const other = await listen((request) => {
    if (request.headers.has('authorization')) leakedToOther += 1;
    return emulation().handle(request);
  });
  emu = createOAuthServer({
    authOrigin: auth.origin,
    apiOrigin: api.origin,
    otherOrigin: other.origin,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    accessTokenTtlMs: 3_600_000,
    requestLogLimit: 16,
  });
  const ready = emu;

  const run = async (command: Command): Promise<unknown> => {
    switch (command.op) {
      case 'reset':
        ready.reset();
        unauthenticated = 0;
        leakedToOther = 0;
        lastTokenResponseAt = 0;
        latency = [];
        ready.faults.apiLatency = undefined;
        gate?.open();
        gate = undefined;
        return undefined;
      case 'issue': {
        const issued = ready.issueTokens();
        if (command.options.expiredAtServer) ready.expireAccessTokens();
        const now = Date.now();
        const expiresAt = command.options.expiredAtClient ? now - 60_000 : now + 3_600_000;
        return {
          accessToken: wrap(issued.accessToken, Math.floor(expiresAt / 1000)),
          refreshToken: issued.refreshToken,
          expiresAt,
        } satisfies BenchTokens;
      }
      case 'expire':
        ready.expireAccessTokens();
        return undefined;
      case 'revoke':
        ready.revokeGrant();
        return undefined;
      case 'faults':
        ready.faults.enqueue(...command.faults);
        return undefined;
      case 'latency':
        latency = command.ranges;
        ready.faults.apiLatency =
          latency.length === 0
            ? undefined
            : (index) => latency.find(([from, to]) => index >= from && index < to)?.[2] ?? 0;
        return undefined;
      case 'gate':
        if (command.closed) {
          if (gate === undefined) {
            let open = (): void => {};
            const promise = new Promise<void>((resolve) => {
              open = resolve;
            });
            gate = { promise, open };
          }
        } else {
          gate?.open();
          gate = undefined;
        }
        return undefined;
      case 'counts': {
        const c = ready.counters;
        return {
          tokenCalls: c.tokenCalls,
          successfulRefreshes: c.successfulRefreshes,
          reuseDetections: c.reuseDetections,
          apiRequests: c.apiRequests,
          unauthorized: c.unauthorized,
          unauthenticated,
          leakedToOther,
          lastTokenResponseAt,
          waitingAtGate,
        };
      }
      case 'close':
        gate?.open();
        await Promise.all([auth.close(), api.close(), other.close()]);
        return undefined;
    }
  };
  process.on('message', (envelope: Envelope) => {
    run(envelope.command).then(
      (value) => process.send?.({ id: envelope.id, value } satisfies Reply),
      (error: unknown) =>
        process.send?.({ id: envelope.id, error: error instanceof Error ? error.message : String(error) }),
    );
  });
  process.send?.({
    id: 0,
    value: { auth: auth.origin, api: api.origin, other: other.origin },
  } satisfies Reply);
}

/** Starts the emulation in a child process and waits until it listens. */
export async function startEmulation(): Promise<Emulation> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [ROLE_FLAG], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const ready = new Promise<{ auth: string; api: string; other: string }>((resolve, reject) => {
    pending.set(0, {
      resolve: (value) => resolve(value as { auth: string; api: string; other: string }),
      reject,
    });
  });
  child.on('message', (reply: Reply) => {
    const waiter = pending.get(reply.id);
    if (waiter === undefined) return;
    pending.delete(reply.id);
    if (reply.error !== undefined) waiter.reject(new Error(`emulation: ${reply.error}`));
    else waiter.resolve(reply.value);
  });
  child.once('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`emulation exited (${code})`));
    pending.clear();
  });
  const call = <T>(command: Command, timeoutMs = 30_000): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`emulation: no answer to ${command.op} in ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      child.send({ id, command } satisfies Envelope);
    });
  const timeout = setTimeout(() => child.kill(), 30_000);
  let origins: { auth: string; api: string; other: string };
  try {
    origins = await ready;
  } catch (error) {
    child.kill();
    throw error;
  } finally {
    clearTimeout(timeout);
  }
  return {
    authOrigin: origins.auth,
    apiOrigin: origins.api,
    otherOrigin: origins.other,
    tokenEndpoint: `${origins.auth}/token`,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    reset: () => call({ op: 'reset' }),
    issue: (options) => call({ op: 'issue', options }),
    expireAccessTokens: () => call({ op: 'expire' }),
    revokeGrants: () => call({ op: 'revoke' }),
    enqueueTokenFaults: (faults) => call({ op: 'faults', faults }),
    setApiLatency: (ranges) => call({ op: 'latency', ranges }),
    closeGate: () => call({ op: 'gate', closed: true }),
    openGate: () => call({ op: 'gate', closed: false }),
    counts: () => call({ op: 'counts' }),
    close: async () => {
      try {
        await call({ op: 'close' }, 10_000);
      } finally {
        child.disconnect();
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
        if (child.exitCode === null && child.signalCode === null) child.kill();
      }
    },
  };
}

if (process.argv.includes(ROLE_FLAG) && process.send !== undefined) {
  process.on('disconnect', () => process.exit(0));
  await serve();
}
