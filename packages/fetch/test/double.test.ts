/**
 * The wrapper over a plain test double (no msw): what exactly reaches the wrapped fetch, and what the caller's
 * objects look like afterwards.
 */
import {
  createTokenManager,
  NotReplayableError,
  type RefreshFunction,
  type TokenManager,
} from '@tokenrelay/core';
import { type FetchLike, type TokenRefreshFetch, withTokenRefresh } from '@tokenrelay/fetch';
import { afterEach, describe, expect, it } from 'vitest';
import { rejectionOf } from './harness.ts';

const API = 'https://api.test';

interface Call {
  readonly input: RequestInfo | URL;
  readonly init: RequestInit | undefined;
  readonly args: number;
  readonly authorization: string | null;
  readonly body: string;
}

/** Answers 401 to any token but `valid`, 200 otherwise; records every call. */
function recordingFetch(valid = 'Bearer at-2', status = 401): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: FetchLike = async (...args) => {
    const [input, init] = args;
    const request = new Request(input, init);
    const authorization = request.headers.get('authorization');
    calls.push({ input, init, args: args.length, authorization, body: await request.text() });
    return new Response('answer', { status: authorization === valid ? 200 : status });
  };
  return { fetch, calls };
}

let manager: TokenManager | undefined;
let refreshes = 0;
afterEach(() => {
  manager?.dispose();
  refreshes = 0;
});

const rotating: RefreshFunction = async () => {
  refreshes += 1;
  return { accessToken: `at-${refreshes + 1}`, refreshToken: `rt-${refreshes + 1}`, expiresIn: 3600 };
};

function wrap(
  inner: FetchLike,
  refresh: RefreshFunction = rotating,
  replayBufferBytes?: number,
): TokenRefreshFetch {
  manager = createTokenManager({
    tokens: { accessToken: 'at-1', refreshToken: 'rt-1' },
    refresh,
    proactive: false,
    retry: { attempts: 1 },
  });
  return withTokenRefresh(inner, manager, {
    origins: [API],
    ...(replayBufferBytes === undefined ? {} : { replayBufferBytes }),
  });
}

describe('what the wrapped fetch receives', () => {
  it('requests to other origins: the same input and init, nothing added', async () => {
    const { fetch, calls } = recordingFetch();
    const api = wrap(fetch);
    const request = new Request('https://elsewhere.test/x');
    await api(request);
    const init = { headers: { 'x-a': '1' } };
    await api('https://elsewhere.test/y', init);
    expect(calls[0]).toMatchObject({ input: request, init: undefined, args: 1, authorization: null });
    expect(calls[1]?.init).toEqual(init);
    expect(calls[1]?.authorization).toBeNull();
    expect(refreshes).toBe(0);
  });

  it('never the `tokenRelay` switch, whether it is given or not', async () => {
    const { fetch, calls } = recordingFetch('Bearer at-1');
    const api = wrap(fetch);
    await api(`${API}/a`, { tokenRelay: undefined });
    await api(`${API}/b`, { tokenRelay: false });
    expect(calls.map((c) => c.init !== undefined && 'tokenRelay' in c.init)).toEqual([false, false]);
    expect(calls.map((c) => c.authorization)).toEqual(['Bearer at-1', null]);
  });

  it('a copy of the headers: the caller’s init, Headers and Request are left as they were', async () => {
    const { fetch, calls } = recordingFetch();
    const api = wrap(fetch);
    const headers = new Headers({ 'x-trace': 't' });
    const init = { method: 'POST', headers, body: 'b' };
    const response = await api(`${API}/init`, init);
    expect(response.status).toBe(200);
    expect(init).toEqual({ method: 'POST', headers, body: 'b' });
    expect([...headers]).toEqual([['x-trace', 't']]);

    const request = new Request(`${API}/req`, { method: 'PUT', body: 'r', headers: { 'x-trace': 'r' } });
    expect((await api(request)).status).toBe(200);
    expect([...request.headers]).toEqual([
      ['content-type', 'text/plain;charset=UTF-8'],
      ['x-trace', 'r'],
    ]);
    expect(request.bodyUsed).toBe(false);
    expect(calls.map((c) => [c.authorization, c.body])).toEqual([
      ['Bearer at-1', 'b'],
      ['Bearer at-2', 'b'],
      ['Bearer at-2', 'r'],
    ]);
    // Each call got its own Request, never the caller's.
    expect(calls.every((c) => c.input !== request)).toBe(true);
  });
});

describe('one-shot bodies', () => {
  it('a stream with replayBufferBytes 0 is sent once, then the 401 refreshes and rejects NotReplayable', async () => {
    const { fetch, calls } = recordingFetch();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('once'));
        controller.close();
      },
    });
    const error = await rejectionOf(
      wrap(fetch, rotating, 0)(`${API}/s`, { method: 'POST', body, duplex: 'half' }),
    );
    expect(error).toBeInstanceOf(NotReplayableError);
    expect(calls.map((c) => c.body)).toEqual(['once']);
    expect(refreshes).toBe(1);
  });

  it('an async iterable body (accepted by Node fetch) is not replayed', async () => {
    const { fetch, calls } = recordingFetch();
    async function* parts(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode('it');
    }
    const body = parts() as unknown as BodyInit;
    const error = await rejectionOf(wrap(fetch)(`${API}/i`, { method: 'POST', body, duplex: 'half' }));
    expect(error).toBeInstanceOf(NotReplayableError);
    expect((error as Error).message).toContain('read only once');
    expect(calls).toHaveLength(1);
  });
});

describe('the caller’s signal', () => {
  it('aborting while the refresh is awaited rejects at once with its reason; nothing is sent', async () => {
    const { fetch, calls } = recordingFetch();
    const hanging: RefreshFunction = (context) =>
      new Promise((_, reject) =>
        context.signal.addEventListener('abort', () => reject(context.signal.reason)),
      );
    const api = wrap(fetch, hanging);
    await manager?.setTokens({ accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: Date.now() - 1_000 });
    const controller = new AbortController();
    const pending = api(`${API}/x`, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(manager?.waiting).toBe(1);
    controller.abort('gone');
    expect(await rejectionOf(pending)).toBe('gone');
    expect(manager?.waiting).toBe(0);
    expect(calls).toHaveLength(0);
  });
});

describe('types', () => {
  it('the wrapper is a FetchLike and fits where the global fetch type is expected', async () => {
    const { fetch } = recordingFetch('Bearer at-1');
    const wrapped: FetchLike = wrap(fetch);
    const asGlobal: typeof globalThis.fetch = wrap(fetch);
    expect((await wrapped(`${API}/t`)).status).toBe(200);
    expect((await asGlobal(`${API}/t`)).status).toBe(200);
  });

  it('a custom shouldRefresh decides which statuses refresh', async () => {
    const { fetch, calls } = recordingFetch('Bearer at-2', 419);
    manager = createTokenManager({
      tokens: { accessToken: 'at-1', refreshToken: 'rt-1' },
      refresh: rotating,
    });
    const api = withTokenRefresh(fetch, manager, {
      origins: API,
      shouldRefresh: ({ status }) => status === 419,
    });
    expect((await api(`${API}/c`)).status).toBe(200);
    expect(calls.map((c) => c.authorization)).toEqual(['Bearer at-1', 'Bearer at-2']);
  });
});
