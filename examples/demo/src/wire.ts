/**
 * Counting at the transport, below every interceptor and hook: what the API really saw from one client.
 * Each logical request carries an `x-demo-request` id, so a request sent again after a 401 counts as a replay.
 */
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import axios, { type AxiosAdapter } from 'axios';
import type { RequestFunction } from 'got';

export const REQUEST_ID_HEADER = 'x-demo-request';

export interface WireCounts {
  /** Requests that went out on the wire, replays included. */
  readonly sent: number;
  /** 401 answers from the API. */
  readonly unauthorized: number;
  /** Requests sent again with the same id after a 401. */
  readonly replays: number;
}

export interface Wire {
  counts(): WireCounts;
  sent(id: string): void;
  answered(id: string, status: number): void;
  /** The logical request is over: its id will not be seen again. */
  forget(id: string): void;
}

export function createWire(): Wire {
  let sent = 0;
  let unauthorized = 0;
  let replays = 0;
  const lastStatus = new Map<string, number>();
  return {
    counts: () => ({ sent, unauthorized, replays }),
    sent(id) {
      sent += 1;
      if (lastStatus.get(id) === 401) replays += 1;
    },
    answered(id, status) {
      if (status === 401) unauthorized += 1;
      lastStatus.set(id, status);
    },
    forget(id) {
      lastStatus.delete(id);
    },
  };
}

const idOf = (value: unknown): string => (typeof value === 'string' ? value : '');

/** A fetch that counts (for ky and for `@tokenrelay/fetch`). */
export function countingFetch(wire: Wire): typeof fetch {
  return async (input, init) => {
    const headers = init?.headers === undefined ? undefined : new Headers(init.headers);
    const id = idOf(
      headers?.get(REQUEST_ID_HEADER) ??
        (input instanceof Request ? input.headers.get(REQUEST_ID_HEADER) : null),
    );
    wire.sent(id);
    const response = await fetch(input, init);
    wire.answered(id, response.status);
    return response;
  };
}

/** An axios adapter that counts, around axios's own Node http adapter. */
export function countingAxiosAdapter(wire: Wire): AxiosAdapter {
  const http = axios.getAdapter('http');
  return async (config) => {
    const id = idOf(config.headers.get(REQUEST_ID_HEADER));
    wire.sent(id);
    try {
      const response = await http(config);
      wire.answered(id, response.status);
      return response;
    } catch (error) {
      if (axios.isAxiosError(error) && error.response !== undefined) wire.answered(id, error.response.status);
      throw error;
    }
  };
}

/** A header from node:http's request options: an object, or raw `[name, value, ...]` pairs. */
const headerValue = (headers: OutgoingHttpHeaders | readonly string[] | undefined, name: string): unknown => {
  if (headers === undefined) return undefined;
  if (!Array.isArray(headers)) return (headers as OutgoingHttpHeaders)[name];
  const at = headers.findIndex((value, i) => i % 2 === 0 && value.toLowerCase() === name);
  return at === -1 ? undefined : headers[at + 1];
};

/** got's `request` option: node:http's request, counted. */
export function countingGotRequest(wire: Wire): RequestFunction {
  return (url, options, callback) => {
    const id = idOf(headerValue(options.headers, REQUEST_ID_HEADER));
    wire.sent(id);
    const request = httpRequest(url, options, callback);
    request.once('response', (response) => wire.answered(id, response.statusCode ?? 0));
    return request;
  };
}
