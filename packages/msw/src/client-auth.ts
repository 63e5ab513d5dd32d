import type { ResolvedClient, ServerConfig } from './emulation-state.ts';

/** Client authentication (RFC 6749 section 2.3.1) for the token, revocation and introspection endpoints. */

const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

/** An RFC 6749 section 5.2 error response. */
export const oauthError = (
  status: number,
  error: string,
  description?: string,
  challenge?: boolean,
): Response => {
  const headers: Record<string, string> = { ...noStore };
  if (challenge) headers['www-authenticate'] = 'Basic realm="tokenrelay-auth"';
  const body = description === undefined ? { error } : { error, error_description: description };
  return Response.json(body, { status, headers });
};

export const noStoreHeaders: Readonly<Record<string, string>> = noStore;

/** `application/x-www-form-urlencoded` decoding of one component (RFC 6749 appendix B). */
const formDecode = (value: string): string | undefined => {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
};

const formEncode = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2);

const toBase64 = (text: string): string => {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
};

const fromBase64 = (base64: string): string | undefined => {
  try {
    const binary = atob(base64);
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
};

/** RFC 6749 section 2.3.1: the `Authorization: Basic` value a client must send (each part form-encoded first). */
export function encodeBasicCredentials(clientId: string, clientSecret: string): string {
  return `Basic ${toBase64(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`;
}

/** RFC 6749 section 2.3.1: base64 of `urlencode(id):urlencode(secret)`; undefined when it is not that. */
export function decodeBasicCredentials(
  header: string,
): { readonly id: string; readonly secret: string } | undefined {
  const match = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = fromBase64(match[1]);
  if (decoded === undefined) return undefined;
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const id = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  return id === undefined || secret === undefined ? undefined : { id, secret };
}

const failed = (challenge: boolean): Response =>
  oauthError(401, 'invalid_client', 'client authentication failed', challenge);

/** Finds and checks the client as its registered method demands; a Response is the failure to answer. */
export function authenticateClient(
  config: ServerConfig,
  request: Request,
  params: URLSearchParams,
): ResolvedClient | Response {
  const authorization = request.headers.get('authorization');
  const basic = authorization !== null && /^Basic /i.test(authorization);
  const bodyId = params.get('client_id');
  const bodySecret = params.get('client_secret');
  if (basic && bodySecret !== null) {
    return oauthError(400, 'invalid_request', 'more than one client authentication method');
  }
  const credentials = basic ? decodeBasicCredentials(authorization) : undefined;
  if (basic && credentials === undefined) return failed(true);
  const id = credentials?.id ?? bodyId;
  const client = config.clients.find((candidate) => candidate.clientId === id);
  if (client === undefined || (credentials !== undefined && bodyId !== null && bodyId !== credentials.id)) {
    return failed(basic || config.clients.some((candidate) => candidate.auth === 'client_secret_basic'));
  }
  if (client.auth === 'client_secret_basic') {
    return credentials?.secret === client.clientSecret ? client : failed(true);
  }
  if (client.auth === 'client_secret_post') {
    return !basic && bodySecret === client.clientSecret ? client : failed(basic);
  }
  return !basic && bodySecret === null ? client : failed(basic);
}
