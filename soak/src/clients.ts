/**
 * The four adapters as the soak drives them: each client created as its README shows (axios and got with their own
 * keep-alive agent, ky and fetch on Node's global fetch), client retries off so that no failure is hidden.
 */
import { Agent } from 'node:http';
import { attachTokenRefresh } from '@tokenrelay/axios';
import type { TokenManager } from '@tokenrelay/core';
import { withTokenRefresh } from '@tokenrelay/fetch';
import { tokenRefresh as gotTokenRefresh } from '@tokenrelay/got';
import { tokenRefresh as kyTokenRefresh } from '@tokenrelay/ky';
import axios from 'axios';
import got, { type Response as GotResponse, HTTPError } from 'got';
import ky, { isHTTPError } from 'ky';

export const ADAPTERS = ['axios', 'got', 'ky', 'fetch'] as const;
export type AdapterName = (typeof ADAPTERS)[number];

export interface SoakRequest {
  /** Relative to the API origin, without a leading slash. */
  readonly path: string;
  /** A JSON body: the request is a POST. */
  readonly json?: unknown;
  readonly signal: AbortSignal;
}

export interface SoakClient {
  /** Resolves with the final HTTP status (the body read); rejects with what the client threw. */
  send(request: SoakRequest): Promise<number>;
  /** Detaches the adapter and closes the client's sockets. */
  close(): void;
}

interface ClientOptions {
  readonly manager: TokenManager;
  readonly apiOrigin: string;
  /** Requests in flight at most: sizes the keep-alive agents. */
  readonly concurrency: number;
}

type AttachTokenRefresh = typeof attachTokenRefresh;
type GotTokenRefresh = typeof gotTokenRefresh;
type KyTokenRefresh = typeof kyTokenRefresh;
type WithTokenRefresh = typeof withTokenRefresh;

const keepAlive = (concurrency: number): Agent => new Agent({ keepAlive: true, maxSockets: concurrency });

type ClientFactory = (options: ClientOptions) => SoakClient;

const axiosClient =
  (attach: AttachTokenRefresh): ClientFactory =>
  ({ manager, apiOrigin, concurrency }) => {
    const agent = keepAlive(concurrency);
    const instance = axios.create({ baseURL: apiOrigin, httpAgent: agent });
    const detach = attach(instance, manager);
    return {
      async send({ path, json, signal }) {
        try {
          const method = json === undefined ? 'GET' : 'POST';
          return (await instance.request({ url: `/${path}`, method, data: json, signal })).status;
        } catch (error) {
          if (axios.isAxiosError(error) && error.response) return error.response.status;
          throw error;
        }
      },
      close() {
        detach();
        agent.destroy();
      },
    };
  };

const gotClient =
  (tokenRefresh: GotTokenRefresh): ClientFactory =>
  ({ manager, apiOrigin, concurrency }) => {
    const agent = keepAlive(concurrency);
    const api = got.extend(
      { prefixUrl: apiOrigin, agent: { http: agent }, retry: { limit: 0 } },
      tokenRefresh(manager),
    );
    return {
      async send({ path, json, signal }) {
        try {
          const options = json === undefined ? { signal } : { method: 'POST' as const, json, signal };
          // An instance extended with a wide `ExtendOptions` types its responses `unknown`; they are got's own.
          return ((await api(path, options)) as GotResponse).statusCode;
        } catch (error) {
          if (error instanceof HTTPError) return error.response.statusCode;
          throw error;
        }
      },
      close: () => agent.destroy(),
    };
  };

const kyClient =
  (tokenRefresh: KyTokenRefresh): ClientFactory =>
  ({ manager, apiOrigin }) => {
    const api = ky.create({ baseUrl: apiOrigin, retry: 0 }).extend(tokenRefresh(manager));
    return {
      async send({ path, json, signal }) {
        try {
          const response = await api(
            path,
            json === undefined ? { signal } : { method: 'POST', json, signal },
          );
          await response.arrayBuffer();
          return response.status;
        } catch (error) {
          if (isHTTPError(error)) return error.response.status;
          throw error;
        }
      },
      close: () => undefined,
    };
  };

const fetchClient =
  (withTokenRefresh: WithTokenRefresh): ClientFactory =>
  ({ manager, apiOrigin }) => {
    const api = withTokenRefresh(fetch, manager, { origins: apiOrigin });
    return {
      async send({ path, json, signal }) {
        const init: RequestInit =
          json === undefined
            ? { signal }
            : {
                method: 'POST',
                body: JSON.stringify(json),
                headers: { 'content-type': 'application/json' },
                signal,
              };
        const response = await api(`${apiOrigin}/${path}`, init);
        await response.arrayBuffer();
        return response.status;
      },
      close: () => undefined,
    };
  };

/** The four adapters; each entry builds a client of that adapter around a manager. */
export async function loadClientFactories(): Promise<Readonly<Record<AdapterName, ClientFactory>>> {
  return {
    axios: axiosClient(attachTokenRefresh),
    got: gotClient(gotTokenRefresh),
    ky: kyClient(kyTokenRefresh),
    fetch: fetchClient(withTokenRefresh),
  };
}
