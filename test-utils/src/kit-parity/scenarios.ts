/**
 * Scenarios any OAuth2 client meets, written with plain fetch against whatever server the target names (the kit
 * through msw, the kit's loopback listener from a child process, msw's service worker in Chromium, oidc-provider).
 * Each gives an outcome vector: one entry per call, `<status>` plus the OAuth2 error code or the Bearer challenge's
 * error. No vitest and no Node API here: the child-process client imports this file with plain Node, and the
 * Chromium page bundles it.
 */

export interface ScenarioTarget {
  readonly tokenEndpoint: string;
  readonly revocationEndpoint: string;
  /** A protected resource answering 200 to a valid access token. */
  readonly resourceUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface LoginTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
}

export const SCENARIOS = [
  'two concurrent refreshes with one refresh token',
  'reuse after rotation',
  'revocation',
  'expired refresh token',
  'expired access token',
] as const;

export type ScenarioName = (typeof SCENARIOS)[number];

/** The scenarios that run against a server whose tokens live `shortTtlMs` (they wait past it). */
export const isExpiry = (name: ScenarioName): boolean =>
  name === 'expired refresh token' || name === 'expired access token';

/** What every server must answer (RFC 6749, RFC 7009, RFC 6750, RFC 9700 reuse detection). */
export const EXPECTED: Readonly<Record<ScenarioName, readonly string[]>> = {
  // One wins; the loser's reuse revokes the family, so the winner's new refresh and access token die too.
  'two concurrent refreshes with one refresh token': [
    '200',
    '400 invalid_grant',
    '400 invalid_grant',
    '401 invalid_token',
  ],
  'reuse after rotation': ['200', '200', '400 invalid_grant', '400 invalid_grant', '401 invalid_token'],
  revocation: ['200', '400 invalid_grant', '401 invalid_token'],
  'expired refresh token': ['400 invalid_grant'],
  // The protected resource turns the access token down once it has expired (RFC 6750 section 3.1).
  'expired access token': ['200', '401 invalid_token'],
};

/** RFC 6749 section 2.3.1, written independently of the kit's own encoder. */
const basic = (id: string, secret: string): string => {
  const form = (value: string): string => new URLSearchParams([['v', value]]).toString().slice(2);
  // Form-encoded text is ASCII, so btoa (Node and browsers alike) encodes it as base64 of its UTF-8 bytes.
  return `Basic ${btoa(`${form(id)}:${form(secret)}`)}`;
};

interface Call {
  readonly outcome: string;
  readonly body: Record<string, unknown>;
}

const post = async (target: ScenarioTarget, url: string, form: Record<string, string>): Promise<Call> => {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: basic(target.clientId, target.clientSecret),
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: new URLSearchParams(form),
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    body = {};
  }
  const error = typeof body.error === 'string' && response.status >= 400 ? ` ${body.error}` : '';
  return { outcome: `${response.status}${error}`, body };
};

const refresh = (target: ScenarioTarget, refreshToken: string): Promise<Call> =>
  post(target, target.tokenEndpoint, { grant_type: 'refresh_token', refresh_token: refreshToken });

const resource = async (target: ScenarioTarget, accessToken: string): Promise<string> => {
  const response = await fetch(target.resourceUrl, { headers: { authorization: `Bearer ${accessToken}` } });
  await response.arrayBuffer();
  const challenge = /error="([^"]+)"/.exec(response.headers.get('www-authenticate') ?? '')?.[1];
  return response.status === 200 ? '200' : `${response.status}${challenge ? ` ${challenge}` : ''}`;
};

const field = (call: Call | undefined, name: string): string => String(call?.body[name] ?? '');

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs one scenario. For the `isExpiry` scenarios the target's access and refresh tokens live `shortTtlMs` (the
 * scenario waits past it).
 */
export async function runScenario(
  name: ScenarioName,
  target: ScenarioTarget,
  tokens: LoginTokens,
  shortTtlMs: number,
): Promise<string[]> {
  switch (name) {
    case 'two concurrent refreshes with one refresh token': {
      const pair = await Promise.all([
        refresh(target, tokens.refreshToken),
        refresh(target, tokens.refreshToken),
      ]);
      const winner = pair.find((call) => call.outcome === '200');
      const outcomes = pair.map((call) => call.outcome).sort();
      const next = winner ? await refresh(target, field(winner, 'refresh_token')) : undefined;
      const api = winner ? await resource(target, field(winner, 'access_token')) : 'no winner';
      return [...outcomes, next?.outcome ?? 'no winner', api];
    }
    case 'reuse after rotation': {
      const rotated = await refresh(target, tokens.refreshToken);
      const api = await resource(target, field(rotated, 'access_token'));
      const reused = await refresh(target, tokens.refreshToken);
      const successor = await refresh(target, field(rotated, 'refresh_token'));
      const after = await resource(target, field(rotated, 'access_token'));
      return [rotated.outcome, api, reused.outcome, successor.outcome, after];
    }
    case 'revocation': {
      const revoked = await post(target, target.revocationEndpoint, {
        token: tokens.refreshToken,
        token_type_hint: 'refresh_token',
      });
      const refreshed = await refresh(target, tokens.refreshToken);
      return [revoked.outcome, refreshed.outcome, await resource(target, tokens.accessToken)];
    }
    case 'expired refresh token': {
      await sleep(shortTtlMs + 150);
      return [(await refresh(target, tokens.refreshToken)).outcome];
    }
    case 'expired access token': {
      const fresh = await resource(target, tokens.accessToken);
      await sleep(shortTtlMs + 150);
      return [fresh, await resource(target, tokens.accessToken)];
    }
  }
}
