/**
 * The ky adapter as the shared conformance suite drives it: a client with the API origin as `baseUrl`, and ky's
 * `HTTPError` turned back into the response it carries.
 */
import { tokenRefresh } from '@tokenrelay/ky';
import type {
  ConformanceAdapter,
  ConformanceClient,
  ConformanceRequest,
  ConformanceResponse,
} from '@tokenrelay/test-utils/conformance';
import { isHTTPError, isTimeoutError, type KyInstance, type Options } from 'ky';
import type { KyVersion } from './ky-versions.ts';

const bodyOf = async (response: Response): Promise<unknown> => {
  const text = await response.text();
  try {
    return text === '' ? null : JSON.parse(text);
  } catch {
    return text;
  }
};

export function kyConformanceAdapter({ name, ky }: KyVersion): ConformanceAdapter {
  return {
    name,
    makeClient({ manager, apiOrigin, headerName, managerOf }) {
      const api = ky
        .create({ baseUrl: apiOrigin })
        .extend(
          tokenRefresh(
            managerOf === undefined ? manager : ({ options }) => managerOf(String(options.context.user)),
            headerName === undefined ? {} : { headerName },
          ),
        );
      const requestWith =
        (client: KyInstance, extra: Options = {}) =>
        async (req: ConformanceRequest): Promise<ConformanceResponse> => {
          const options: Options = { method: req.method ?? 'GET', ...extra };
          if (req.json !== undefined) options.json = req.json;
          if (req.signal !== undefined) options.signal = req.signal;
          if (req.headers !== undefined) options.headers = req.headers;
          if (req.timeoutMs !== undefined) options.timeout = req.timeoutMs;
          const context: Record<string, unknown> = {};
          if (req.optOut === true) context.tokenRelay = false;
          if (req.user !== undefined) context.user = req.user;
          options.context = context;
          try {
            const response = await client(req.url, options);
            return { status: response.status, body: await bodyOf(response) };
          } catch (error) {
            if (isHTTPError(error)) return { status: error.response.status, body: error.data, error };
            throw error;
          }
        };
      const view = (what: string, request: ConformanceClient['request']) => ({
        what,
        client: { ...conformance, request },
      });
      // ky rejects with tokenrelay errors as they are.
      const conformance: ConformanceClient = {
        request: requestWith(api),
        unwrapError: (error) => error,
        isTimeoutError,
        withBase: (base) => [
          view('a per-request baseUrl', requestWith(api, { baseUrl: base })),
          view('a per-request prefix', requestWith(api, { prefix: base })),
          view('.extend({ baseUrl })', requestWith(api.extend({ baseUrl: base }))),
          view('.extend({ prefix })', requestWith(api.extend({ prefix: base }))),
        ],
      };
      return conformance;
    },
  };
}
