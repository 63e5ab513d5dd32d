/// <reference path="./oidc-provider.d.ts" />
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Configuration, Provider } from 'oidc-provider';
import { type GrantedTokens, runCodeFlow } from './code-flow.ts';
import { type TokenEndpointFault, tokenEndpointFaults } from './faults.ts';
import {
  type ProviderErrorRecord,
  type ProviderEventCounts,
  recordProviderEvents,
} from './provider-events.ts';

export interface AuthServerOptions {
  /** Access-token lifetime in whole seconds. Default 2. */
  readonly accessTokenTtl?: number | undefined;
  /** Refresh-token (and grant) lifetime in whole seconds. Default 14 days. */
  readonly refreshTokenTtl?: number | undefined;
  /** Default `tokenrelay:test-client` (the colon must be form-encoded in a Basic header). */
  readonly clientId?: string | undefined;
  /**
   * Default `s3cr3t:with/special+chars%&=?# ~`: every character that form-encoding changes. Printable
   * ASCII only: RFC 6749 appendix A.2 allows nothing else in a client secret, and oidc-provider enforces it.
   */
  readonly clientSecret?: string | undefined;
}

export interface LoginOptions {
  /** The account to sign in as. Default `alice`. */
  readonly subject?: string | undefined;
}

export interface AuthServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly issuer: string;
  readonly tokenEndpoint: string;
  /** RFC 7009. */
  readonly revocationEndpoint: string;
  /** RFC 7662. */
  readonly introspectionEndpoint: string;
  /** The protected resource: OIDC userinfo; 401 with `WWW-Authenticate: Bearer error="invalid_token"` once expired. */
  readonly userinfoUrl: string;
  /** The confidential client (`client_secret_basic`) whose grants `login()` creates. */
  readonly client: { readonly clientId: string; readonly clientSecret: string };
  /**
   * Runs the real authorization-code flow (PKCE, login and consent forms); each call makes a new grant.
   * Its code exchange is a token-endpoint request: a queued fault applies to it.
   */
  login(options?: LoginOptions): Promise<GrantedTokens>;
  /** A snapshot of the provider's event counts since start or the last `resetEvents()`. */
  readonly events: ProviderEventCounts;
  /** Errors the provider reported (`grant.error` and the like), oldest first. */
  readonly errors: readonly ProviderErrorRecord[];
  resetEvents(): void;
  /** Push faults here; each `POST` to the token endpoint consumes the first one. */
  readonly faults: { readonly tokenEndpoint: TokenEndpointFault[] };
  /** Stops listening and destroys every open connection. Safe to call twice. */
  close(): Promise<void>;
}

const DEFAULT_CLIENT_ID = 'tokenrelay:test-client';
const DEFAULT_CLIENT_SECRET = 's3cr3t:with/special+chars%&=?# ~';
const SCOPE = 'openid offline_access';

const positiveSeconds = (value: number | undefined, fallback: number, name: string): number => {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new TypeError(`${name} must be a positive whole number of seconds`);
  }
  return value;
};

/** RFC 6749 appendix A: client_id and client_secret are VSCHAR (printable ASCII); oidc-provider rejects the rest. */
const vschar = (value: string, name: string): string => {
  if (!/^[\x20-\x7e]+$/.test(value))
    throw new TypeError(`${name} must be printable ASCII (RFC 6749 appendix A)`);
  return value;
};

const listen = (server: Server): Promise<AddressInfo> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });

/** A fresh ES256 signing key for ID tokens, so the provider never falls back to its public dev keys. */
const signingKey = (): Record<string, unknown> => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...privateKey.export({ format: 'jwk' }), alg: 'ES256', use: 'sig', kid: randomUUID() };
};

interface ProviderSettings {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  readonly accessTokenTtl: number;
  readonly refreshTokenTtl: number;
}

const sameClient = async (
  _ctx: unknown,
  client: { clientId: string },
  token: { clientId?: string | undefined },
) => token.clientId === client.clientId;

/** Settings a strict production server would use; the reasons are in the comments. */
const providerConfiguration = (s: ProviderSettings): Configuration => ({
  clients: [
    {
      client_id: s.clientId,
      client_secret: s.clientSecret,
      redirect_uris: [s.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
    },
  ],
  jwks: { keys: [signingKey()] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  // Expiry is exact: a token is dead the second its lifetime ends, in the store and at the endpoints.
  clockTolerance: 0,
  scopes: ['openid', 'offline_access'],
  // Every refresh consumes the refresh token it used; presenting a consumed one revokes the whole grant.
  rotateRefreshToken: true,
  pkce: { required: () => true },
  clientBasedCORS: () => false,
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
  ttl: {
    AccessToken: s.accessTokenTtl,
    AuthorizationCode: 60,
    IdToken: 600,
    Interaction: 600,
    Session: 3600,
    RefreshToken: s.refreshTokenTtl,
    // A grant outlives its refresh tokens, or refreshing would fail for a reason no real server has.
    Grant: s.refreshTokenTtl,
  },
  features: {
    devInteractions: { enabled: true },
    userinfo: { enabled: true },
    revocation: { enabled: true, allowedPolicy: sameClient },
    introspection: { enabled: true, allowedPolicy: sameClient },
    // Plain bearer tokens for the userinfo endpoint: no DPoP challenge, no audience-restricted tokens.
    dPoP: { enabled: false },
    resourceIndicators: { enabled: false },
  },
});

/**
 * Starts oidc-provider on 127.0.0.1 (random port) as a strict OAuth2 authorization server: refresh-token
 * rotation with reuse detection, 2 s opaque access tokens, no clock tolerance, revocation, introspection,
 * userinfo as the protected resource, and fault injection in front of the token endpoint.
 */
export async function startAuthServer(options: AuthServerOptions = {}): Promise<AuthServer> {
  const accessTokenTtl = positiveSeconds(options.accessTokenTtl, 2, 'accessTokenTtl');
  const refreshTokenTtl = positiveSeconds(options.refreshTokenTtl, 14 * 24 * 3600, 'refreshTokenTtl');
  const clientId = vschar(options.clientId ?? DEFAULT_CLIENT_ID, 'clientId');
  const clientSecret = vschar(options.clientSecret ?? DEFAULT_CLIENT_SECRET, 'clientSecret');

  const http = createServer();
  const { port } = await listen(http);
  const issuer = `http://127.0.0.1:${port}`;
  // Never requested: the fixture stops at the redirect and reads the code from its Location.
  const redirectUri = `${issuer}/callback`;
  let provider: Provider;
  try {
    provider = new Provider(
      issuer,
      providerConfiguration({ clientId, clientSecret, redirectUri, accessTokenTtl, refreshTokenTtl }),
    );
  } catch (error) {
    http.close();
    throw error;
  }
  const faults: TokenEndpointFault[] = [];
  provider.use(tokenEndpointFaults('/token', faults));
  const log = recordProviderEvents(provider);
  http.on('request', provider.callback());

  const tokenEndpoint = `${issuer}/token`;
  let closing: Promise<void> | undefined;
  return {
    issuer,
    tokenEndpoint,
    revocationEndpoint: `${issuer}/token/revocation`,
    introspectionEndpoint: `${issuer}/token/introspection`,
    userinfoUrl: `${issuer}/me`,
    client: { clientId, clientSecret },
    login: (loginOptions = {}) =>
      runCodeFlow({
        issuer,
        tokenEndpoint,
        clientId,
        clientSecret,
        redirectUri,
        scope: SCOPE,
        subject: loginOptions.subject ?? 'alice',
      }),
    get events() {
      return log.counts();
    },
    get errors() {
      return log.errors();
    },
    resetEvents: () => log.reset(),
    faults: { tokenEndpoint: faults },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        http.close((error) => (error ? reject(error) : resolve()));
        http.closeAllConnections();
      });
      return closing;
    },
  };
}
