import { tokenRefresh } from '@tokenrelay/got';
import type { ApiEcho } from '@tokenrelay/test-utils';
import { useEmulation } from '@tokenrelay/test-utils/vitest';
import type { Response } from 'got';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { gotVersions } from './got-versions.ts';

const { fx, emu, mswUse } = useEmulation();

const apiSeen = () => emu.counters.requestsSeenBy(emu.apiOrigin);

/** got's own retries, without its real back-off (1 ms whenever got decided to retry). */
const fastRetry = {
  limit: 2,
  calculateDelay: ({ computedValue }: { computedValue: number }) => (computedValue > 0 ? 1 : 0),
};

/**
 * A GET route that answers 503 first, then the API's own answer (a 401 when the token is expired), 503 again (to the
 * replay), then the API: how many times it was called.
 */
const flakyRoute = (path: string): { readonly calls: () => number } => {
  let calls = 0;
  mswUse(
    http.get(emu.apiUrl(path), ({ request }) => {
      calls += 1;
      if (calls === 1 || calls === 3) return HttpResponse.json({ error: 'unavailable' }, { status: 503 });
      return emu.handle(request);
    }),
  );
  return { calls: () => calls };
};

describe.each(gotVersions)('$name', ({ got }) => {
  it('the caller’s own hooks still run, before and after ours, and see the replayed response', async () => {
    const calls: string[] = [];
    const api = got.extend(
      {
        prefixUrl: emu.apiOrigin,
        hooks: {
          beforeRequest: [() => void calls.push('before')],
          afterResponse: [
            (response: Response) => {
              calls.push(`early ${response.statusCode}`);
              return response;
            },
          ],
        },
      },
      tokenRefresh(fx.manager()),
      {
        hooks: {
          afterResponse: [
            (response: Response) => {
              calls.push(`late ${response.statusCode}`);
              return Object.assign(response, {
                body: JSON.stringify({ wrapped: JSON.parse(String(response.body)) }),
              });
            },
          ],
          beforeRetry: [() => void calls.push('beforeRetry')],
        },
      },
    );
    emu.expireAccessTokens();
    const response = await api.get('data');
    expect(JSON.parse(response.body)).toMatchObject({ wrapped: { tokenSerial: 2 } });
    // Hooks after ours never saw the 401 (got stops at our hook to replay); every hook saw the final response once.
    expect(calls).toEqual(['before', 'early 401', 'beforeRetry', 'before', 'early 200', 'late 200']);
  });

  it('got’s retries on 503 reuse the token and never refresh', async () => {
    emu.faults.unavailableRemaining = 2;
    const api = got.extend({ prefixUrl: emu.apiOrigin, retry: fastRetry }, tokenRefresh(fx.manager()));
    const body = await api.get('unavailable').json<ApiEcho>();
    expect(body.tokenSerial).toBe(1);
    expect(apiSeen().map((r) => r.status)).toEqual([503, 503, 200]);
    expect(new Set(apiSeen().map((r) => r.authorization)).size).toBe(1);
    expect(emu.counters.tokenCalls).toBe(0);
  });

  it('a 503 before the 401 and a 503 after the replay still make one refresh', async () => {
    const route = flakyRoute('/flaky');
    const api = got.extend(
      { prefixUrl: emu.apiOrigin, retry: { ...fastRetry, limit: 3 } },
      tokenRefresh(fx.manager()),
    );
    emu.expireAccessTokens();
    const body = await api.get('flaky').json<ApiEcho>();
    expect(body.tokenSerial).toBe(2);
    expect(route.calls()).toBe(4);
    expect(emu.counters.tokenCalls).toBe(1);
  });

  it('a manager resolver is asked once per call: got’s retries and the replay use the manager it picked', async () => {
    const route = flakyRoute('/picked');
    const manager = fx.manager();
    let asked = 0;
    const api = got.extend(
      { prefixUrl: emu.apiOrigin, retry: { ...fastRetry, limit: 3 } },
      tokenRefresh(() => {
        asked += 1;
        return manager;
      }),
    );
    emu.expireAccessTokens();
    const body = await api.get('picked').json<ApiEcho>();
    expect(body.tokenSerial).toBe(2);
    expect(route.calls()).toBe(4);
    expect(asked).toBe(1);
    expect(emu.counters.tokenCalls).toBe(1);
    await api.get('picked').json<ApiEcho>();
    expect(asked).toBe(2);
  });

  it('the replay counts in got’s retryCount, so it takes one of got’s retries', async () => {
    let calls = 0;
    mswUse(
      http.get(emu.apiUrl('/down'), ({ request }) => {
        calls += 1;
        return calls === 1 ? emu.handle(request) : HttpResponse.json({}, { status: 503 });
      }),
    );
    const seen: number[] = [];
    const api = got.extend(
      { prefixUrl: emu.apiOrigin, retry: fastRetry, hooks: { beforeRetry: [(_e, n) => void seen.push(n)] } },
      tokenRefresh(fx.manager()),
    );
    emu.expireAccessTokens();
    const error = await api.get('down').catch((e: unknown) => e);
    expect((error as { response?: Response }).response?.statusCode).toBe(503);
    // 401, the replay (retryCount 1), one retry of got's (retryCount 2): with limit 2, got stops there.
    expect(seen).toEqual([1, 2]);
    expect(calls).toBe(3);
    expect(emu.counters.tokenCalls).toBe(1);
  });

  it('got.paginate: a page built from the previous page’s options may be replayed once too', async () => {
    const api = got.extend({ prefixUrl: emu.apiOrigin }, tokenRefresh(fx.manager()));
    emu.expireAccessTokens();
    const pages = await api.paginate.all<string>('pages?n=1', {
      pagination: {
        transform: (response) => [(JSON.parse(String(response.body)) as ApiEcho).path],
        paginate: ({ response }) => {
          const options = response.request.options;
          if (String(options.url).endsWith('n=2')) return false;
          // The next page reuses this page's own options object, replay mark and all.
          emu.expireAccessTokens();
          options.url = new URL(emu.apiUrl('/pages?n=2'));
          return options;
        },
      },
    });
    expect(pages).toEqual(['/pages?n=1', '/pages?n=2']);
    expect(apiSeen().map((r) => r.status)).toEqual([401, 200, 401, 200]);
    expect(emu.counters.successfulRefreshes).toBe(2);
  });
});
