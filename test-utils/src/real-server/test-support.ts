/**
 * Plain-fetch helpers for the real-server tests: what any OAuth2 client would send, written independently
 * of the fixture's own code-flow helpers.
 */
import type { AuthServer } from './auth-server.ts';

/** RFC 6749 section 2.3.1: id and secret are form-urlencoded, joined by a colon, then base64-encoded. */
export function basicAuth(clientId: string, clientSecret: string): string {
  const form = (value: string): string => new URLSearchParams([['v', value]]).toString().slice('v='.length);
  return `Basic ${Buffer.from(`${form(clientId)}:${form(clientSecret)}`).toString('base64')}`;
}

export interface JsonResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

/** POSTs a form to one of `server`'s endpoints with `client_secret_basic`; parses a JSON answer. */
export async function postForm(
  server: AuthServer,
  url: string,
  form: Record<string, string>,
  authorization: string = basicAuth(server.client.clientId, server.client.clientSecret),
): Promise<JsonResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      authorization,
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: new URLSearchParams(form),
  });
  const text = await response.text();
  const body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  return { status: response.status, headers: response.headers, body };
}

export const refreshGrant = (server: AuthServer, refreshToken: string): Promise<JsonResponse> =>
  postForm(server, server.tokenEndpoint, { grant_type: 'refresh_token', refresh_token: refreshToken });

export const callUserinfo = (server: AuthServer, accessToken: string): Promise<Response> =>
  fetch(server.userinfoUrl, { headers: { authorization: `Bearer ${accessToken}` } });

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
