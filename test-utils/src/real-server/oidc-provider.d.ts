/**
 * The small part of oidc-provider 9 (which ships no type declarations) that the real-server fixture uses.
 * Written from the library's source; only what the fixture touches is declared.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  /** The Koa context, as far as the fixture's middleware uses it. */
  export interface KoaContext {
    readonly method: string;
    readonly path: string;
    readonly req: IncomingMessage;
    status: number;
    body: unknown;
    /** Content type of the response (Koa's `ctx.type`). */
    type: string;
    /** Set to `false` to leave the raw response alone. */
    respond: boolean;
    set(field: string, value: string): void;
  }

  export type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

  /** What a policy callback learns about the client that calls. */
  export interface ClientInfo {
    readonly clientId: string;
  }

  /** What a policy callback learns about a token. */
  export interface TokenInfo {
    readonly clientId?: string | undefined;
  }

  export interface Account {
    readonly accountId: string;
    claims(use: string, scope: string): Promise<Record<string, unknown>>;
  }

  export interface ClientMetadata {
    readonly client_id: string;
    readonly client_secret?: string;
    readonly redirect_uris: readonly string[];
    readonly grant_types?: readonly string[];
    readonly response_types?: readonly string[];
    readonly token_endpoint_auth_method?: string;
    readonly id_token_signed_response_alg?: string;
  }

  export interface FeatureToggle {
    readonly enabled: boolean;
  }

  export interface Configuration {
    readonly clients?: readonly ClientMetadata[];
    readonly jwks?: { readonly keys: readonly Record<string, unknown>[] };
    readonly cookies?: { readonly keys?: readonly string[] };
    readonly clockTolerance?: number;
    readonly scopes?: readonly string[];
    readonly rotateRefreshToken?: boolean;
    readonly pkce?: { readonly required?: () => boolean };
    readonly clientBasedCORS?: () => boolean;
    readonly findAccount?: (ctx: unknown, sub: string) => Promise<Account | undefined>;
    readonly ttl?: Readonly<Record<string, number>>;
    readonly features?: {
      readonly devInteractions?: FeatureToggle;
      readonly dPoP?: FeatureToggle;
      readonly resourceIndicators?: FeatureToggle;
      readonly userinfo?: FeatureToggle;
      readonly revocation?: FeatureToggle & {
        readonly allowedPolicy?: (ctx: unknown, client: ClientInfo, token: TokenInfo) => Promise<boolean>;
      };
      readonly introspection?: FeatureToggle & {
        readonly allowedPolicy?: (ctx: unknown, client: ClientInfo, token: TokenInfo) => Promise<boolean>;
      };
    };
  }

  export class Provider {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    /** Koa's `app.proxy`: trust `X-Forwarded-*` headers. */
    proxy: boolean;
    /** A node:http request listener. */
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    /** Adds Koa middleware in front of the provider's own routes. */
    use(middleware: KoaMiddleware): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
}
