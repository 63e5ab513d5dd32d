import type {
  DefaultBodyType,
  HttpRequestResolverExtras,
  HttpResponseResolver,
  PathParams,
  ResponseResolver,
} from 'msw';
import { type EmulationContext, recorded } from './emulation-state.ts';
import type { TokenRegistry } from './token-registry.ts';

/** Bearer-token checks (RFC 6750) for the built-in API and for the user's own routes (`server.protect()`). */

/** The access token a protected route accepted (never the token itself). */
export interface AccessTokenDetails {
  /** 1 for the first access token the server issued, 2 for the next, ... */
  readonly serial: number;
  readonly clientId: string;
  /** The grant's scope, space-separated; undefined when the server has none. */
  readonly scope: string | undefined;
  /** Epoch milliseconds on the server's clock. */
  readonly expiresAt: number;
}

export interface ProtectOptions {
  /** Scopes the token's grant must hold (space-separated or a list); otherwise 403 `insufficient_scope`. */
  readonly scope?: string | readonly string[] | undefined;
  /** `realm` of the `WWW-Authenticate` challenge. Default `api`. */
  readonly realm?: string | undefined;
}

export type AccessCheck =
  | { readonly ok: true; readonly details: AccessTokenDetails }
  | { readonly ok: false; readonly reason: 'unknown' | 'expired' | 'revoked' };

export const bearerToken = (authorization: string | null): string | undefined =>
  /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization ?? '')?.[1];

export function checkAccessToken(registry: TokenRegistry, token: string): AccessCheck {
  const info = registry.inspect(token);
  if (info.active) {
    if (info.kind !== 'access_token') return { ok: false, reason: 'unknown' };
    const { serial, clientId, scope, expiresAt } = info;
    return { ok: true, details: { serial, clientId, scope, expiresAt } };
  }
  return { ok: false, reason: info.reason === 'used' ? 'unknown' : info.reason };
}

/** 401 with `WWW-Authenticate: Bearer ..., error="invalid_token"` (RFC 6750 section 3.1). */
export const invalidToken = (challenge: string, reason: string): Response =>
  Response.json(
    { error: 'invalid_token' },
    {
      status: 401,
      headers: {
        'www-authenticate': `${challenge}, error="invalid_token", error_description="the access token is ${reason}"`,
      },
    },
  );

const scopes = (value: string | readonly string[] | undefined): string[] =>
  (typeof value === 'string' ? value.split(' ') : [...(value ?? [])]).filter((s) => s !== '');

/** A resolver of the user's own route, given msw's resolver info plus the accepted token. */
export type ProtectedResolver<
  Params extends PathParams<keyof Params> = PathParams,
  RequestBodyType extends DefaultBodyType = DefaultBodyType,
  ResponseBodyType extends DefaultBodyType = undefined,
> = ResponseResolver<
  HttpRequestResolverExtras<Params> & { readonly token: AccessTokenDetails },
  RequestBodyType,
  ResponseBodyType
>;

export function protectRoute<
  Params extends PathParams<keyof Params>,
  RequestBodyType extends DefaultBodyType,
  ResponseBodyType extends DefaultBodyType,
>(
  ctx: EmulationContext,
  resolver: ProtectedResolver<Params, RequestBodyType, ResponseBodyType>,
  options: ProtectOptions = {},
): HttpResponseResolver<Params, RequestBodyType, ResponseBodyType> {
  type Answer = Awaited<ReturnType<typeof resolver>>;
  const challenge = `Bearer realm="${options.realm ?? 'api'}"`;
  const required = scopes(options.scope);
  return async (info) => {
    let ran = false;
    let result: Answer | undefined;
    const answer = async (request: Request): Promise<Response> => {
      const token = bearerToken(request.headers.get('authorization'));
      if (token === undefined) {
        ctx.stats.unauthorized += 1;
        return Response.json(
          { error: 'unauthorized' },
          { status: 401, headers: { 'www-authenticate': challenge } },
        );
      }
      const check = checkAccessToken(ctx.registry, token);
      if (!check.ok) {
        ctx.stats.unauthorized += 1;
        return invalidToken(challenge, check.reason);
      }
      const held = new Set(scopes(check.details.scope));
      const missing = required.filter((scope) => !held.has(scope));
      if (missing.length > 0) {
        const header = `${challenge}, error="insufficient_scope", scope="${required.join(' ')}"`;
        return Response.json(
          { error: 'insufficient_scope' },
          { status: 403, headers: { 'www-authenticate': header } },
        );
      }
      ran = true;
      result = (await resolver({ ...info, token: check.details })) as Answer;
      // The log wants a status: anything but a Response (msw's passthrough, a generator) is logged as 200.
      return result instanceof Response ? result : new Response(null, { status: 200 });
    };
    const response = await recorded(ctx.stats, info.request, answer);
    // msw accepts any Response from a resolver; its types ask for the route's own body type.
    return ran ? result : (response as Answer);
  };
}
