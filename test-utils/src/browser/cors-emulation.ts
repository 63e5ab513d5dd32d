import { type LoopbackListener, listenLoopback } from '@tokenrelay/msw/node';
import { createOAuthServer, type OAuthServer } from '../oauth-server.ts';
import type { OAuthServerOptions } from '../oauth-types.ts';

/**
 * The OAuth2 emulation on loopback listeners that answer CORS, as a browser page on another origin needs: the
 * page's origin is allowed, preflights are answered, and `WWW-Authenticate` and `Location` are exposed (without
 * that a page cannot see why a request was rejected). Token requests can be held by the test (`holdTokenRequests`):
 * a held request reaches the emulation only when released, and never when its client went away first (the page was
 * closed), so the server has not rotated the refresh token then.
 */
export interface CorsEmulation {
  readonly emu: OAuthServer;
  readonly authOrigin: string;
  readonly apiOrigin: string;
  readonly otherOrigin: string;
  readonly tokenEndpoint: string;
  /** Every `POST /token` that arrived, held or abandoned ones included. */
  readonly tokenRequestsReceived: number;
  /** Token requests whose client went away while they were held (they never reached the emulation). */
  readonly tokenRequestsAbandoned: number;
  /** Holds the next token request (one) until the returned function is called or its client goes away. */
  holdNextTokenRequest(): () => void;
  /** Resolves once a token request is held. */
  tokenRequestHeld(): Promise<void>;
  close(): Promise<void>;
}

export interface CorsEmulationOptions
  extends Omit<OAuthServerOptions, 'authOrigin' | 'apiOrigin' | 'otherOrigin'> {
  /** Origins allowed to call (the test page's). */
  readonly allowedOrigins: readonly string[];
}

const EXPOSED = 'WWW-Authenticate, Location, Retry-After, Content-Type';

export async function startCorsEmulation(options: CorsEmulationOptions): Promise<CorsEmulation> {
  const { allowedOrigins, ...serverOptions } = options;
  const allowed = new Set(allowedOrigins);
  let emu: OAuthServer | undefined;
  let received = 0;
  let abandoned = 0;
  let gate: Promise<void> | undefined;
  let onHeld: (() => void) | undefined;

  const withCors = (request: Request, response: Response): Response => {
    const origin = request.headers.get('origin');
    if (origin === null || !allowed.has(origin)) return response;
    const headers = new Headers(response.headers);
    headers.set('access-control-allow-origin', origin);
    headers.set('access-control-expose-headers', EXPOSED);
    headers.append('vary', 'Origin');
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };

  const handle = async (request: Request): Promise<Response> => {
    if (emu === undefined) return new Response('starting', { status: 503 });
    const origin = request.headers.get('origin');
    if (request.method === 'OPTIONS' && origin !== null) {
      if (!allowed.has(origin)) return new Response(null, { status: 403 });
      return new Response(null, {
        status: 204,
        headers: {
          'access-control-allow-origin': origin,
          'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE',
          'access-control-allow-headers': request.headers.get('access-control-request-headers') ?? '',
          'access-control-max-age': '600',
          vary: 'Origin',
        },
      });
    }
    const url = new URL(request.url);
    if (request.method === 'POST' && url.origin === emu.authOrigin && url.pathname === '/token') {
      received += 1;
      const held = gate;
      gate = undefined;
      if (held !== undefined) {
        onHeld?.();
        const gone = new Promise<'gone'>((resolve) =>
          request.signal.addEventListener('abort', () => resolve('gone'), { once: true }),
        );
        if ((await Promise.race([held, gone])) === 'gone') {
          abandoned += 1;
          return Response.error();
        }
      }
    }
    return withCors(request, await emu.handle(request));
  };

  const listeners: LoopbackListener[] = [];
  try {
    for (let i = 0; i < 3; i++) listeners.push(await listenLoopback(handle));
  } catch (error) {
    await Promise.all(listeners.map((listener) => listener.close()));
    throw error;
  }
  const [auth, api, other] = listeners as [LoopbackListener, LoopbackListener, LoopbackListener];
  const server = createOAuthServer({
    ...serverOptions,
    authOrigin: auth.origin,
    apiOrigin: api.origin,
    otherOrigin: other.origin,
  });
  emu = server;
  return {
    emu: server,
    authOrigin: auth.origin,
    apiOrigin: api.origin,
    otherOrigin: other.origin,
    tokenEndpoint: server.tokenEndpoint,
    get tokenRequestsReceived() {
      return received;
    },
    get tokenRequestsAbandoned() {
      return abandoned;
    },
    holdNextTokenRequest() {
      let release!: () => void;
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      return () => {
        gate = undefined;
        release();
      };
    },
    tokenRequestHeld() {
      return new Promise<void>((resolve) => {
        onHeld = () => {
          onHeld = undefined;
          resolve();
        };
      });
    },
    async close() {
      await Promise.all(listeners.map((listener) => listener.close()));
    },
  };
}
