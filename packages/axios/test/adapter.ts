import { attachTokenRefresh } from '@tokenrelay/axios';
import type { ConformanceAdapter } from '@tokenrelay/test-utils/conformance';
import type { AxiosVersion } from './axios-versions.ts';

/** The axios adapter as the shared suites drive it (conformance over msw, integration against oidc-provider). */
export const adapterFor = ({ name, axios }: AxiosVersion): ConformanceAdapter => ({
  name,
  makeClient({ manager, apiOrigin }) {
    const instance = axios.create({ baseURL: apiOrigin });
    const detach = attachTokenRefresh(instance, manager);
    return {
      async request(req) {
        try {
          const response = await instance.request({
            method: req.method ?? 'GET',
            url: req.url,
            ...(req.json === undefined
              ? {}
              : { data: req.json, headers: { 'content-type': 'application/json' } }),
            ...(req.signal === undefined ? {} : { signal: req.signal }),
            ...(req.optOut ? { tokenRelay: false as const } : {}),
          });
          return { status: response.status, body: response.data };
        } catch (error) {
          if (axios.isAxiosError(error) && error.response) {
            return { status: error.response.status, body: error.response.data, error };
          }
          throw error;
        }
      },
      unwrapError: (error) => error,
      dispose: detach,
    };
  },
  skip: {
    'client-retry':
      'axios has no built-in retry; a retry interceptor re-sending error.config (as axios-retry does) is tested in test/replay.test.ts',
  },
});
