/**
 * The ky adapter as the shared conformance suite drives it: a client with the API origin as `baseUrl`, and ky's
 * `HTTPError` turned back into the response it carries.
 */
import { tokenRefresh } from '@tokenrelay/ky';
import type {
  ConformanceAdapter,
  ConformanceRequest,
  ConformanceResponse,
} from '@tokenrelay/test-utils/conformance';
import { isHTTPError, type Options } from 'ky';
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
    makeClient({ manager, apiOrigin }) {
      const api = ky.create({ baseUrl: apiOrigin }).extend(tokenRefresh(manager));
      const request = async (req: ConformanceRequest): Promise<ConformanceResponse> => {
        const options: Options = { method: req.method ?? 'GET' };
        if (req.json !== undefined) options.json = req.json;
        if (req.signal !== undefined) options.signal = req.signal;
        if (req.optOut === true) options.context = { tokenRelay: false };
        try {
          const response = await api(req.url, options);
          return { status: response.status, body: await bodyOf(response) };
        } catch (error) {
          if (isHTTPError(error)) return { status: error.response.status, body: error.data, error };
          throw error;
        }
      };
      // ky rejects with tokenrelay errors as they are.
      return { request, unwrapError: (error) => error };
    },
  };
}
