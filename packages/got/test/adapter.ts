import { isTokenRelayError } from '@tokenrelay/core';
import { tokenRefresh } from '@tokenrelay/got';
import type {
  ConformanceAdapter,
  ConformanceClient,
  ConformanceRequest,
} from '@tokenrelay/test-utils/conformance';
import type { Got } from 'got';
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
  makeClient({ manager, apiOrigin, headerName, managerOf }) {
    const client = got.extend(
      { prefixUrl: apiOrigin, retry: { limit: 2, calculateDelay } },
      tokenRefresh(
        managerOf === undefined ? manager : (options) => managerOf(String(options.context.user)),
        headerName === undefined ? {} : { headerName },
      ),
    );
    const requestWith = (api: Got, prefixUrl?: string) => async (req: ConformanceRequest) => {
      const context: Record<string, unknown> = {};
      if (req.optOut) context.tokenRelay = false;
      if (req.user !== undefined) context.user = req.user;
      try {
        const response = await api(req.url, {
          method: req.method ?? 'GET',
          context,
          ...(req.json === undefined ? {} : { json: req.json }),
          ...(req.signal === undefined ? {} : { signal: req.signal }),
          ...(req.headers === undefined ? {} : { headers: req.headers }),
          ...(req.timeoutMs === undefined ? {} : { timeout: { request: req.timeoutMs } }),
          ...(prefixUrl === undefined ? {} : { prefixUrl }),
          responseType: 'json',
        });
        return { status: response.statusCode, body: response.body };
      } catch (error) {
        if (error instanceof HTTPError) {
          return { status: error.response.statusCode, body: error.response.body, error };
        }
        throw error;
      }
    };
    const conformance: ConformanceClient = {
      request: requestWith(client),
      unwrapError,
      isTimeoutError: (error) => (error as { code?: unknown } | null)?.code === 'ETIMEDOUT',
      withBase: (base) => [
        { what: 'a per-request prefixUrl', client: { ...conformance, request: requestWith(client, base) } },
        {
          what: '.extend({ prefixUrl })',
          client: { ...conformance, request: requestWith(client.extend({ prefixUrl: base })) },
        },
      ],
    };
    return conformance;
  },
});
