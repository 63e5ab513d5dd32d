import { isTokenRelayError } from '@tokenrelay/core';
import { tokenRefresh } from '@tokenrelay/got';
import type { ConformanceAdapter } from '@tokenrelay/test-utils/conformance';
import type { GotVersion } from './got-versions.ts';

/** got wraps an error thrown in a hook in a RequestError and keeps it as `cause`. */
const unwrapError = (error: unknown): unknown => {
  const cause = (error as { cause?: unknown } | null)?.cause;
  return isTokenRelayError(cause) ? cause : error;
};

/** got's retries without its real back-off: 1 ms whenever got decided to retry. */
const calculateDelay = ({ computedValue }: { computedValue: number }): number => (computedValue > 0 ? 1 : 0);

/** The got adapter as the shared suites drive it (conformance over msw, integration against oidc-provider). */
export const adapterFor = ({ name, got, HTTPError }: GotVersion): ConformanceAdapter => ({
  name,
  makeClient({ manager, apiOrigin }) {
    const client = got.extend(
      { prefixUrl: apiOrigin, retry: { limit: 2, calculateDelay } },
      tokenRefresh(manager),
    );
    return {
      async request(req) {
        try {
          const response = await client(req.url, {
            method: req.method ?? 'GET',
            ...(req.json === undefined ? {} : { json: req.json }),
            ...(req.signal === undefined ? {} : { signal: req.signal }),
            ...(req.optOut ? { context: { tokenRelay: false } } : {}),
            responseType: 'json',
          });
          return { status: response.statusCode, body: response.body };
        } catch (error) {
          if (error instanceof HTTPError) {
            return { status: error.response.statusCode, body: error.response.body, error };
          }
          throw error;
        }
      },
      unwrapError,
    };
  },
});
