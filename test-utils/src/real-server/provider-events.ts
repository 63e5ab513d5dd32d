import type { Provider } from 'oidc-provider';

/**
 * The provider's own events the fixture counts. Opaque tokens emit `<kind>.saved` when stored (JWT-format
 * tokens would emit `.issued`); `grant.revoked` fires when a whole grant is revoked (refresh-token reuse,
 * revocation of a refresh token).
 */
export type ProviderEventName =
  | 'grant.success'
  | 'grant.error'
  | 'grant.revoked'
  | 'refresh_token.consumed'
  | 'refresh_token.saved'
  | 'refresh_token.destroyed'
  | 'access_token.saved'
  | 'access_token.destroyed'
  | 'authorization_code.consumed'
  | 'authorization.success'
  | 'authorization.error'
  | 'userinfo.error'
  | 'revocation.error'
  | 'introspection.error'
  | 'server_error';

export type ProviderEventCounts = Readonly<Record<ProviderEventName, number>>;

/** One error the provider reported; never carries a token or a secret. */
export interface ProviderErrorRecord {
  readonly event: ProviderEventName;
  /** The OAuth error code (`invalid_grant`, ...) or, for `server_error`, the error's name. */
  readonly error: string;
  /** oidc-provider's detail, e.g. `refresh token already used`. */
  readonly detail: string | undefined;
}

export interface ProviderEventLog {
  counts(): ProviderEventCounts;
  errors(): readonly ProviderErrorRecord[];
  reset(): void;
}

const EVENT_NAMES: readonly ProviderEventName[] = [
  'grant.success',
  'grant.error',
  'grant.revoked',
  'refresh_token.consumed',
  'refresh_token.saved',
  'refresh_token.destroyed',
  'access_token.saved',
  'access_token.destroyed',
  'authorization_code.consumed',
  'authorization.success',
  'authorization.error',
  'userinfo.error',
  'revocation.error',
  'introspection.error',
  'server_error',
];

const ERROR_EVENTS: ReadonlySet<ProviderEventName> = new Set<ProviderEventName>([
  'grant.error',
  'authorization.error',
  'userinfo.error',
  'revocation.error',
  'introspection.error',
  'server_error',
]);

const stringField = (value: unknown, key: string): string | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const field: unknown = (value as Record<string, unknown>)[key];
  return typeof field === 'string' ? field : undefined;
};

const zeroCounts = (): Record<ProviderEventName, number> =>
  Object.fromEntries(EVENT_NAMES.map((name) => [name, 0])) as Record<ProviderEventName, number>;

/** Subscribes to `provider`'s events and keeps counts, plus the errors it reports (with their code). */
export function recordProviderEvents(provider: Provider): ProviderEventLog {
  let counts = zeroCounts();
  let errors: ProviderErrorRecord[] = [];
  for (const name of EVENT_NAMES) {
    provider.on(name, (...args: unknown[]) => {
      counts[name] += 1;
      if (!ERROR_EVENTS.has(name)) return;
      // Error events are emitted as (ctx, error).
      const error = args[1];
      errors.push({
        event: name,
        error: stringField(error, 'error') ?? stringField(error, 'name') ?? 'unknown',
        detail: stringField(error, 'error_detail') ?? stringField(error, 'error_description'),
      });
    });
  }
  return {
    counts: () => ({ ...counts }),
    errors: () => [...errors],
    reset() {
      counts = zeroCounts();
      errors = [];
    },
  };
}
