import { createHash, randomBytes } from 'node:crypto';
import { createCookieJar } from './cookie-jar.ts';

/** The token pair a successful authorization-code flow yields. */
export interface GrantedTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Seconds, as sent in `expires_in`. */
  readonly expiresIn: number;
  readonly tokenType: string;
  readonly scope: string | undefined;
}

export interface CodeFlowOptions {
  readonly issuer: string;
  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  readonly scope: string;
  /** The account the dev-interaction login form signs in as. */
  readonly subject: string;
}

/** Redirects and form posts one login may take: auth, login form, resume, consent form, resume, callback. */
const MAX_STEPS = 12;

/** `application/x-www-form-urlencoded` encoding of one value (RFC 6749 appendix B). */
const formEncode = (value: string): string => encodeURIComponent(value).replace(/%20/g, '+');

/** The `Authorization` header value for `client_secret_basic` (RFC 6749 section 2.3.1). */
export function clientSecretBasic(clientId: string, clientSecret: string): string {
  const credentials = `${formEncode(clientId)}:${formEncode(clientSecret)}`;
  return `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
}

const decodeHtml = (s: string): string =>
  s
    .replace(/&#x2F;/gi, '/')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** Finds the dev-interaction form on a page: where it posts and which prompt (login or consent) it answers. */
const readInteractionForm = (html: string): { action: string; prompt: string } => {
  const action = /<form\b[^>]*\baction="([^"]+)"[^>]*\bmethod="post"/i.exec(html)?.[1];
  const prompt = /<input\b[^>]*\bname="prompt"[^>]*\bvalue="([^"]+)"/i.exec(html)?.[1];
  if (action === undefined || prompt === undefined) {
    throw new Error('the authorization server returned a page without a login or consent form');
  }
  return { action: decodeHtml(action), prompt };
};

const interactionAnswer = (prompt: string, subject: string): URLSearchParams => {
  switch (prompt) {
    case 'login':
      return new URLSearchParams({ prompt: 'login', login: subject, password: 'any password' });
    case 'consent':
      return new URLSearchParams({ prompt: 'consent' });
    default:
      throw new Error(`the authorization server asked for an unexpected interaction: ${prompt}`);
  }
};

const readString = (body: Record<string, unknown>, key: string): string | undefined => {
  const value = body[key];
  return typeof value === 'string' ? value : undefined;
};

const exchangeCode = async (
  options: CodeFlowOptions,
  code: string,
  codeVerifier: string,
): Promise<GrantedTokens> => {
  const response = await fetch(options.tokenEndpoint, {
    method: 'POST',
    headers: {
      authorization: clientSecretBasic(options.clientId, options.clientSecret),
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: options.redirectUri,
      code_verifier: codeVerifier,
    }),
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>;
  } catch {
    // Not JSON (a gateway error page, an injected fault): reported by its status below.
  }
  if (!response.ok) {
    throw new Error(
      `code exchange failed: HTTP ${response.status} ${readString(body, 'error') ?? ''}`.trim(),
    );
  }
  const accessToken = readString(body, 'access_token');
  const refreshToken = readString(body, 'refresh_token');
  const tokenType = readString(body, 'token_type');
  const expiresIn = body.expires_in;
  if (accessToken === undefined || tokenType === undefined || typeof expiresIn !== 'number') {
    throw new Error('code exchange answered without access_token, token_type or expires_in');
  }
  if (refreshToken === undefined) {
    throw new Error('code exchange answered without a refresh_token (offline_access was not granted)');
  }
  return { accessToken, refreshToken, expiresIn, tokenType, scope: readString(body, 'scope') };
};

/**
 * Runs the authorization-code flow with PKCE (S256) over HTTP, as a browser would but without one: follows
 * redirects by hand, keeps cookies, fills the dev-interaction login and consent forms, and exchanges the code.
 */
export async function runCodeFlow(options: CodeFlowOptions): Promise<GrantedTokens> {
  const jar = createCookieJar();
  const codeVerifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  let url = new URL('auth', `${options.issuer.replace(/\/$/, '')}/`);
  url.search = new URLSearchParams({
    client_id: options.clientId,
    response_type: 'code',
    redirect_uri: options.redirectUri,
    scope: options.scope,
    // OpenID Connect grants offline_access only with an explicit consent prompt.
    prompt: 'consent',
    state,
    code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  let body: URLSearchParams | undefined;

  for (let step = 0; step < MAX_STEPS; step += 1) {
    const headers = new Headers();
    const cookie = jar.header(url);
    if (cookie !== undefined) headers.set('cookie', cookie);
    const response = await fetch(url, {
      method: body === undefined ? 'GET' : 'POST',
      headers,
      redirect: 'manual',
      ...(body === undefined ? {} : { body }),
    });
    jar.store(url, response);

    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      const location = response.headers.get('location');
      if (location === null) throw new Error(`redirect without Location from ${url.pathname}`);
      const next = new URL(location, url);
      if (`${next.origin}${next.pathname}` === options.redirectUri) {
        const error = next.searchParams.get('error');
        if (error !== null) throw new Error(`authorization failed: ${error}`);
        if (next.searchParams.get('state') !== state)
          throw new Error('authorization response state mismatch');
        if (next.searchParams.get('iss') !== options.issuer)
          throw new Error('authorization response iss mismatch');
        const code = next.searchParams.get('code');
        if (code === null) throw new Error('authorization response without a code');
        return exchangeCode(options, code, codeVerifier);
      }
      url = next;
      body = undefined;
      continue;
    }

    const html = await response.text();
    if (response.status !== 200) {
      throw new Error(`authorization step ${url.pathname} answered HTTP ${response.status}`);
    }
    const form = readInteractionForm(html);
    url = new URL(form.action, url);
    body = interactionAnswer(form.prompt, options.subject);
  }
  throw new Error(`the authorization-code flow did not finish within ${MAX_STEPS} steps`);
}
