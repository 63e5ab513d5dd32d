import { attachTokenRefresh } from '@tokenrelay/axios';
import type { TokenManager } from '@tokenrelay/core';
import type {
  ConformanceAdapter,
  ConformanceClient,
  ConformanceRequest,
} from '@tokenrelay/test-utils/conformance';
import type { AxiosInstance, AxiosRequestConfig } from 'axios';
import type { AxiosVersion } from './axios-versions.ts';

/** The axios adapter as the shared suites drive it (conformance over msw, integration against oidc-provider). */
export const adapterFor = ({ name, axios }: AxiosVersion): ConformanceAdapter => ({
  name,
  makeClient({ manager, apiOrigin, headerName, managerOf }) {
    const instance = axios.create({ baseURL: apiOrigin });
    // Many users: the resolver reads whose request it is from a header the request carries.
    const source = (config: { headers: { get(name: string): unknown } }): TokenManager =>
      managerOf === undefined ? manager : managerOf(String(config.headers.get('x-user')));
    const detach = attachTokenRefresh(
      instance,
      managerOf === undefined ? manager : source,
      headerName === undefined ? {} : { headerName },
    );
    const requestWith =
      (client: AxiosInstance, extra: AxiosRequestConfig = {}) =>
      async (req: ConformanceRequest) => {
        const headers: Record<string, string> = { ...req.headers };
        if (req.json !== undefined) headers['content-type'] = 'application/json';
        if (req.user !== undefined) headers['x-user'] = req.user;
        try {
          const response = await client.request({
            method: req.method ?? 'GET',
            url: req.url,
            headers,
            ...(req.json === undefined ? {} : { data: req.json }),
            ...(req.signal === undefined ? {} : { signal: req.signal }),
            ...(req.timeoutMs === undefined ? {} : { timeout: req.timeoutMs }),
            ...(req.optOut ? { tokenRelay: false as const } : {}),
            ...extra,
          });
          return { status: response.status, body: response.data };
        } catch (error) {
          if (axios.isAxiosError(error) && error.response) {
            return { status: error.response.status, body: error.response.data, error };
          }
          throw error;
        }
      };
    const isTimeoutError = (error: unknown): boolean =>
      axios.isAxiosError(error) && (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT');
    const client: ConformanceClient = {
      request: requestWith(instance),
      unwrapError: (error) => error,
      isTimeoutError,
      withBase: (base) => [
        {
          what: 'a per-request baseURL',
          client: { ...client, request: requestWith(instance, { baseURL: base }) },
        },
        {
          what: 'defaults.baseURL changed after attaching',
          client: {
            ...client,
            request: (req) => {
              instance.defaults.baseURL = base;
              return requestWith(instance)(req);
            },
          },
        },
      ],
      dispose: detach,
    };
    return client;
  },
  skip: {
    'client-retry':
      'axios has no built-in retry; a retry interceptor re-sending error.config (as axios-retry does) is tested in test/replay.test.ts',
  },
});
