/**
 * Generators of token-endpoint answers for the fuzzing properties: statuses, headers and bodies that are mostly
 * plausible and often broken (a field missing, mistyped, out of range, or echoing one of the secrets), delivered
 * whole, in pieces, cut by a reset, refused, or never.
 */
import fc from 'fast-check';
import { chunked } from './bodies.ts';

// Secrets made only of characters an OAuth error code may hold, so that an echo into `error` is tempting.
export const REFRESH_TOKEN = 'rt_SeCrEt.refresh-7f3a';
export const CLIENT_SECRET = 'cs_SeCrEt.client-91b2';
export const OLD_ACCESS_TOKEN = 'at_SeCrEt.old-44c1';
export const SECRETS: readonly string[] = [REFRESH_TOKEN, CLIENT_SECRET, OLD_ACCESS_TOKEN];
/** maxResponseBytes in the fuzzing properties: small, so that bodies over it are cheap to generate. */
export const LIMIT = 2048;

const secretish = fc.oneof(
  fc.constantFrom(...SECRETS),
  fc.constantFrom(...SECRETS).map((s) => `invalid_grant ${s}`),
  fc.constantFrom(...SECRETS).map((s) => `x${s}`),
  fc.string({ maxLength: 12 }),
);
const anyValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  secretish,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.object({ maxDepth: 1 }),
);
const oauthError = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'invalid_grant',
      'invalid_grant',
      'invalid_client',
      'unauthorized_client',
      'temporarily_unavailable',
      'server_error',
      'slow_down',
    ),
  },
  { weight: 1, arbitrary: secretish },
  { weight: 1, arbitrary: anyValue },
);

/** Mostly valid, sometimes broken in a known way, sometimes absent, echoing a secret, or anything at all. */
const field = (
  valid: fc.Arbitrary<unknown>,
  broken: fc.Arbitrary<unknown>,
  absentOneIn: number,
): fc.Arbitrary<unknown> =>
  fc.option(
    fc.oneof(
      { weight: 12, arbitrary: valid },
      { weight: 2, arbitrary: broken },
      { weight: 1, arbitrary: secretish },
      { weight: 1, arbitrary: anyValue },
    ),
    { nil: undefined, freq: absentOneIn },
  );

/** Token responses with any field missing, mistyped, or echoing a secret. */
const tokenish = fc.record({
  access_token: field(fc.stringMatching(/^[\x21-\x7E]{1,40}$/), fc.constantFrom('', 'a b', 'a\nb', 'ü'), 10),
  token_type: field(
    fc.constantFrom('Bearer', 'bearer', 'BEARER'),
    fc.constantFrom('mac', 'DPoP', '', 'Bearer '),
    10,
  ),
  expires_in: field(
    fc.oneof(fc.integer({ min: 1, max: 86_400 }), fc.constantFrom('3600', '60.5')),
    fc.oneof(
      fc.integer({ min: -10, max: 0 }),
      fc.integer({ min: 315_360_001 }),
      fc.double(),
      fc.constantFrom('1e3', ' 60', 'NaN'),
    ),
    3,
  ),
  refresh_token: field(fc.stringMatching(/^[\x21-\x7E]{1,20}$/), fc.constantFrom('', 42), 2),
  scope: field(fc.string({ maxLength: 20 }), fc.constantFrom(7, ['a']), 2),
  error: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: oauthError }),
});

/** Section 5.2 error bodies. */
const errorBody = fc.record({
  error: oauthError,
  error_description: fc.option(fc.oneof(secretish, anyValue), { nil: undefined }),
});

const encoder = new TextEncoder();
const bodyBytes = fc.oneof(
  { weight: 6, arbitrary: tokenish.map((value) => encoder.encode(JSON.stringify(value))) },
  { weight: 3, arbitrary: errorBody.map((value) => encoder.encode(JSON.stringify(value))) },
  { weight: 1, arbitrary: fc.json().map((text) => encoder.encode(text)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((text) => encoder.encode(text)) },
  { weight: 1, arbitrary: secretish.map((s) => encoder.encode(`<html><body>${s}</body></html>`)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: LIMIT - 64, max: LIMIT * 3 })
      .map((size) => encoder.encode(`{"access_token":"at","token_type":"Bearer","x":"${' '.repeat(size)}"}`)),
  },
);

const NULL_BODY_STATUSES = new Set([204, 205, 304]);

/** One exchange with the token endpoint, as the fake fetch plays it. */
export interface Exchange {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly retryAfter: string | undefined;
  /** `exact`: the body's length; `huge`: far over the limit (a lie when the body is small). */
  readonly contentLength: 'exact' | 'absent' | 'huge';
  readonly body: Uint8Array;
  /** Byte offsets where the body is split into pieces. */
  readonly cuts: readonly number[];
  /** The connection resets after the last piece instead of closing. */
  readonly reset: boolean;
  readonly network: 'answer' | 'refused' | 'silent';
  /** The caller aborts after this many microtask ticks. */
  readonly abortAfterTicks: number | undefined;
}

export const exchangeArb: fc.Arbitrary<Exchange> = fc.record({
  status: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(200, 200, 201, 400, 401) },
    { weight: 2, arbitrary: fc.constantFrom(204, 403, 404, 408, 429, 500, 502, 503) },
    { weight: 1, arbitrary: fc.integer({ min: 200, max: 599 }) },
  ),
  contentType: fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'text/html',
    'text/plain',
    undefined,
  ),
  retryAfter: fc.option(
    fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.nat().map(String),
      fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
    ),
    { nil: undefined },
  ),
  contentLength: fc.constantFrom(
    'exact' as const,
    'exact' as const,
    'absent' as const,
    'absent' as const,
    'huge' as const,
  ),
  body: bodyBytes,
  cuts: fc.array(fc.nat(300), { maxLength: 5 }),
  reset: fc.nat(4).map((n) => n === 0),
  network: fc.oneof(
    { weight: 12, arbitrary: fc.constant('answer' as const) },
    { weight: 1, arbitrary: fc.constantFrom('refused' as const, 'silent' as const) },
  ),
  abortAfterTicks: fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.nat(40) },
  ),
});

/** The response an exchange describes (a new one on each call: a body can be read once). */
export function responseOf(x: Exchange): Response {
  const headers = new Headers();
  if (x.contentType !== undefined) headers.set('content-type', x.contentType);
  if (x.retryAfter !== undefined) headers.set('retry-after', x.retryAfter);
  if (x.contentLength === 'exact') headers.set('content-length', String(x.body.byteLength));
  if (x.contentLength === 'huge') headers.set('content-length', String(LIMIT * 100));
  if (NULL_BODY_STATUSES.has(x.status)) return new Response(null, { status: x.status, headers });
  return new Response(chunked(x.body, x.cuts, x.reset), { status: x.status, headers });
}
