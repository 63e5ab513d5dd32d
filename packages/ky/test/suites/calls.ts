/**
 * How the adapter sits in a ky call: it spots the 401 in the call's `fetch` (no `afterResponse` hook of its own, so
 * ky clones no response for it), works with the caller's own `fetch`, `afterResponse` and `beforeRetry` hooks, never
 * lets an ordinary retry repeat a failed refresh, and keeps what it remembers about a call out of everything a
 * caller might print.
 */
import { inspect } from 'node:util';
import { ReauthRequiredError, RefreshFailedError } from '@tokenrelay/core';
import { tokenRefresh } from '@tokenrelay/ky';
import type { ApiEcho } from '@tokenrelay/test-utils';
import type { AfterResponseHook, BeforeRetryHook, Options } from 'ky';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import type { KyVersion } from '../ky-versions.ts';
import { type Harness, rejectionOf } from './harness.ts';

/** A fetch that counts the `clone()` calls made on the responses it returns. */
function cloneCountingFetch(): { fetch: typeof globalThis.fetch; clones: () => number } {
  let clones = 0;
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const response = await globalThis.fetch(input, init);
    const clone = response.clone.bind(response);
    response.clone = () => {
      clones += 1;
      return clone();
    };
    return response;
  };
  return { fetch, clones: () => clones };
}

export function callSuite(h: Harness, { ky }: KyVersion): void {
  const { emu } = h;
  const client = (options: Options = {}) => {
    const manager = h.manager();
    return { manager, api: ky.create({ baseUrl: emu.apiOrigin, ...options }).extend(tokenRefresh(manager)) };
  };

  describe('the response path', () => {
    it('passes a response on without cloning it (a large or streamed body is not copied for us)', async () => {
      const counting = cloneCountingFetch();
      const { api } = client({ fetch: counting.fetch });
      const body = await api.get('things').json<ApiEcho>();
      expect(body.tokenSerial).toBe(1);
      expect(counting.clones()).toBe(0);
      // A hook of the caller's own, added after ours, costs its one clone, as in plain ky: the counter sees ky's clones.
      await api.get('things', { hooks: { afterResponse: [() => undefined] } }).json();
      expect(counting.clones()).toBe(1);
    });

    it('spots the 401 through a per-call fetch too, and replays through it', async () => {
      const { api } = client();
      const sent: string[] = [];
      const perCall: typeof globalThis.fetch = async (input, init) => {
        sent.push(new Request(input, init).headers.get('authorization') ?? '');
        return globalThis.fetch(input, init);
      };
      emu.expireAccessTokens();
      const body = await api.get('things', { fetch: perCall }).json<ApiEcho>();
      expect(body.tokenSerial).toBe(2);
      expect(sent).toHaveLength(2);
      expect(sent).toEqual(h.apiAuthorizations());
      expect(emu.counters.tokenCalls).toBe(1);
    });

    it('afterResponse hooks of the client we extend see the 401 before the replay, as they always did', async () => {
      const statuses: number[] = [];
      const record: AfterResponseHook = ({ response, retryCount }) =>
        void statuses.push(response.status, retryCount);
      const { api } = client({ hooks: { afterResponse: [record] } });
      emu.expireAccessTokens();
      const body = await api.post('items', { json: { a: 1 } }).json<ApiEcho>();
      expect(body).toMatchObject({ body: { a: 1 }, tokenSerial: 2 });
      expect(h.apiStatuses()).toEqual([401, 200]);
      expect(statuses).toEqual([401, 0, 200, 1]);
      expect(emu.counters.tokenCalls).toBe(1);
    });

    it('afterResponse hooks added after ours see the replay’s response, not the 401 it answered', async () => {
      const statuses: number[] = [];
      const record: AfterResponseHook = ({ response }) => void statuses.push(response.status);
      const { api } = client();
      emu.expireAccessTokens();
      await api
        .extend({ hooks: { afterResponse: [record] } })
        .get('things')
        .json();
      await api.get('things', { hooks: { afterResponse: [record] } }).json();
      expect(h.apiStatuses()).toEqual([401, 200, 200]);
      expect(statuses).toEqual([200, 200]);
    });

    it('a second 401 reaches the caller’s afterResponse hooks, and throwHttpErrors: false returns it', async () => {
      h.msw.server.use(
        http.get(emu.apiUrl('/always-401'), () =>
          HttpResponse.json(
            { error: 'invalid_token' },
            { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } },
          ),
        ),
      );
      const statuses: number[] = [];
      const record: AfterResponseHook = ({ response }) => void statuses.push(response.status);
      const { api } = client({ throwHttpErrors: false, hooks: { afterResponse: [record] } });
      const response = await api.get('always-401');
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: 'invalid_token' });
      expect(statuses).toEqual([401, 401]);
      expect(emu.counters.tokenCalls).toBe(1);
    });
  });

  describe('the caller’s beforeRetry hooks', () => {
    it('a hook of the client we extend sees the replay already carrying the new token', async () => {
      const seen: Array<string | null> = [];
      const hook: BeforeRetryHook = ({ request }) => void seen.push(request.headers.get('authorization'));
      const { manager, api } = client({ hooks: { beforeRetry: [hook] } });
      emu.expireAccessTokens();
      await api.post('items', { json: { a: 1 } }).json();
      const { token: after } = await manager.getAccessToken();
      expect(seen).toEqual([`Bearer ${after}`]);
    });

    it('a hook of the client we extend that returns its own Request sends the new token', async () => {
      const hook: BeforeRetryHook = ({ request }) => new Request(request);
      const { manager, api } = client({ hooks: { beforeRetry: [hook] } });
      emu.expireAccessTokens();
      const body = await api.get('things').json<ApiEcho>();
      const { token: after } = await manager.getAccessToken();
      expect(body.tokenSerial).toBe(2);
      expect(h.apiAuthorizations().at(-1)).toBe(`Bearer ${after}`);
    });
  });

  describe('a refresh that fails', () => {
    it('fails the call as it is, even with a shouldRetry that retries everything', async () => {
      const { api } = client({ retry: { limit: 3, delay: () => 0, shouldRetry: () => true } });
      emu.expireAccessTokens();
      // A configuration error (invalid_client): the tokens are kept, so a retry would go out with the old one.
      emu.failNext(1, { status: 401, body: JSON.stringify({ error: 'invalid_client' }) });
      const error = await rejectionOf(api.get('things'));
      expect(error).toBeInstanceOf(RefreshFailedError);
      // No ordinary retry sent the request again after the failed refresh.
      expect(h.apiStatuses()).toEqual([401]);
      expect(emu.counters.tokenCalls).toBe(1);
    });

    it('that ends the grant fails the call, even with a shouldRetry that retries everything', async () => {
      const { api } = client({ retry: { limit: 3, delay: () => 0, shouldRetry: () => true } });
      emu.expireAccessTokens();
      emu.revokeGrant();
      const error = await rejectionOf(api.get('things'));
      expect(error).toBeInstanceOf(ReauthRequiredError);
      expect(h.apiStatuses()).toEqual([401]);
      expect(emu.counters.tokenCalls).toBe(1);
    });
  });

  describe('what the adapter remembers about a call', () => {
    it('is each call’s own, even when an earlier init hook gives every call one shared context object', async () => {
      const shared = { tenant: 'one' };
      const seen: unknown[] = [];
      const { api } = client({
        hooks: {
          init: [
            (options) => {
              options.context = shared;
            },
          ],
          beforeRequest: [({ options }) => void seen.push(options.context.tenant)],
        },
      });
      emu.expireAccessTokens();
      const bodies = await Promise.all([
        api.get('things').json<ApiEcho>(),
        api.get('things').json<ApiEcho>(),
      ]);
      // Each call answers its own 401: a state shared through the context would let only the first replay.
      expect(bodies.map((body) => body.tokenSerial)).toEqual([2, 2]);
      expect(h.apiStatuses().sort()).toEqual([200, 200, 401, 401]);
      expect(emu.counters.tokenCalls).toBe(1);
      expect(seen).toEqual(['one', 'one']);
    });

    it('is kept even when an earlier init hook freezes the context', async () => {
      const { api } = client({
        hooks: {
          init: [
            (options) => {
              options.context = Object.freeze({ tenant: 'one' });
            },
          ],
        },
      });
      emu.expireAccessTokens();
      const body = await api.get('things').json<ApiEcho>();
      expect(body.tokenSerial).toBe(2);
      expect(h.apiStatuses()).toEqual([401, 200]);
    });

    it('never shows in the options a hook prints, even with showHidden', async () => {
      const printed: string[] = [];
      const { manager, api } = client({
        context: { user: 'ada' },
        hooks: {
          afterResponse: [
            ({ options }) => {
              printed.push(inspect(options.context, { showHidden: true, depth: 10 }));
              printed.push(JSON.stringify(options.context));
              printed.push(inspect({ ...options.context }, { showHidden: true, depth: 10 }));
            },
          ],
        },
      });
      const { token } = await manager.getAccessToken();
      await api.get('things').json();
      expect(printed).toHaveLength(3);
      for (const text of printed) {
        expect(text).not.toContain(token);
        expect(text).toContain('ada');
      }
    });
  });
}
