/**
 * The wrapper over Node's own fetch (undici) against the emulation served on real 127.0.0.1 sockets: real
 * uploads, real redirects, no msw.
 */
import type { TokenManager } from '@tokenrelay/core';
import { type TokenRefreshFetch, withTokenRefresh } from '@tokenrelay/fetch';
import { createOAuthServer, type ListeningOAuthServer } from '@tokenrelay/test-utils';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { echoOf, managerFor } from './harness.ts';

const oauth = createOAuthServer();
let live: ListeningOAuthServer;
let manager: TokenManager;
let api: TokenRefreshFetch;

beforeAll(async () => {
  live = await oauth.listen();
});
afterAll(() => live.close());
beforeEach(() => {
  oauth.reset();
  // Refreshes go to the same emulated state through its fetch double; the API is reached over sockets.
  manager = managerFor(oauth);
  api = withTokenRefresh(fetch, manager, { origins: live.apiOrigin });
});
afterEach(() => manager.dispose());

const statuses = (origin: string) => oauth.counters.requestsSeenBy(origin).map((r) => r.status);

describe('over real sockets', () => {
  it('replays a streamed upload after a refresh', async () => {
    const chunks = ['alpha,', 'beta,', 'gamma'];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });
    oauth.expireAccessTokens();
    const response = await api(live.apiUrl('/upload'), { method: 'POST', body, duplex: 'half' });
    expect(await echoOf(response)).toMatchObject({ body: 'alpha,beta,gamma', tokenSerial: 2 });
    expect(statuses(live.apiOrigin)).toEqual([401, 200]);
  });

  it('replays a Request with a JSON body', async () => {
    const request = new Request(live.apiUrl('/items'), {
      method: 'POST',
      body: JSON.stringify({ id: 7 }),
      headers: { 'content-type': 'application/json' },
    });
    oauth.expireAccessTokens();
    const echo = await echoOf(await api(request));
    expect(echo).toMatchObject({ body: { id: 7 }, contentType: 'application/json', tokenSerial: 2 });
    expect(echo.headers['content-length']).toBe('8');
  });

  for (const redirects of ['wrapper', 'fetch'] as const) {
    it(`keeps the token from the other origin across a 307 (redirects: '${redirects}')`, async () => {
      const wrapped = withTokenRefresh(fetch, manager, { origins: live.apiOrigin, redirects });
      const response = await wrapped(live.apiUrl('/redirect/307/elsewhere'), { method: 'POST', body: 'p' });
      expect(response.url).toBe(live.otherUrl('/elsewhere'));
      expect(await echoOf(response)).toMatchObject({ method: 'POST', body: 'p', sawAuthorization: false });
      expect(oauth.counters.requestsSeenBy(live.otherOrigin).map((r) => r.authorization)).toEqual([
        undefined,
      ]);
    });
  }
});
