import { createOAuthServer, type OAuthServer } from '@tokenrelay/msw';

/**
 * How the differential test configures the kit, shared by the Node transports and the Chromium page (which bundles
 * this file): client_secret_basic with a secret full of characters form-encoding changes, rotation, reuse detection.
 */
export const CLIENT = {
  clientId: 'tokenrelay:test-client',
  clientSecret: 's3cr3t:with/special+chars%&=?# ~',
};

/** Access- and refresh-token lifetime of the servers the expiry scenarios run against, in seconds. */
export const SHORT_TTL_S = 1;

/** A long-lived kit (tokens outlive the test) or a short-lived one (tokens live `SHORT_TTL_S`). */
export const createParityKit = (lifetime: 'long' | 'short', issuer?: string): OAuthServer =>
  createOAuthServer({
    clients: [CLIENT],
    accessTokenTtl: lifetime === 'long' ? 30_000 : SHORT_TTL_S * 1000,
    refreshTokenTtl: lifetime === 'long' ? 600_000 : SHORT_TTL_S * 1000,
    ...(issuer === undefined ? {} : { issuer, apiOrigin: issuer.replace('auth', 'api') }),
  });
