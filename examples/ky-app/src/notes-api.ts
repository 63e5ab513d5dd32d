/**
 * The app's own backend: a small notes API on 127.0.0.1 that accepts a bearer token only when the authorization
 * server says it is active (RFC 7662 introspection), as a resource server in front of an OAuth2 server does.
 * Answers 401 with `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750) for a missing or dead token.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthServer } from '@tokenrelay/test-utils/real-server';

export interface Note {
  readonly id: number;
  readonly text: string;
}

export interface NotesApi {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;

const send = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

const readJson = async (req: IncomingMessage): Promise<unknown> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new RangeError('body too large');
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
};

/** `application/x-www-form-urlencoded` encoding of one value (RFC 6749 appendix B). */
const formEncode = (value: string): string => encodeURIComponent(value).replace(/%20/g, '+');

export async function startNotesApi(auth: AuthServer): Promise<NotesApi> {
  const { clientId, clientSecret } = auth.client;
  const basic = `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64')}`;
  const notes = new Map<string, Note[]>();
  let nextId = 1;

  /** The user the request's bearer token belongs to, or undefined when the token is missing or not active. */
  const userOf = async (req: IncomingMessage): Promise<string | undefined> => {
    const match = /^Bearer ([^\s]+)$/i.exec(req.headers.authorization ?? '');
    if (match?.[1] === undefined) return undefined;
    const response = await fetch(auth.introspectionEndpoint, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: match[1], token_type_hint: 'access_token' }),
      signal: AbortSignal.timeout(5_000),
    });
    const body = (await response.json()) as { active?: unknown; sub?: unknown };
    return body.active === true && typeof body.sub === 'string' ? body.sub : undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let user: string | undefined;
    try {
      user = await userOf(req);
    } catch {
      return send(res, 503, { error: 'the authorization server did not answer' });
    }
    if (user === undefined) {
      send(res, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
      return;
    }
    const mine = notes.get(user) ?? [];
    notes.set(user, mine);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/notes' && req.method === 'GET') return send(res, 200, mine);
    if (path === '/notes' && req.method === 'POST') {
      const body = (await readJson(req)) as { text?: unknown };
      if (typeof body?.text !== 'string') return send(res, 400, { error: 'text must be a string' });
      const note = { id: nextId++, text: body.text };
      mine.push(note);
      return send(res, 201, note);
    }
    send(res, 404, { error: 'not found' });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 400, { error: 'bad request' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
