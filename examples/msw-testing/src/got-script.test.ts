import { createOAuthServer } from '@tokenrelay/msw';
import '@tokenrelay/msw/vitest';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { nightlyReport } from './got-script.ts';

const oauth = createOAuthServer({ issuer: 'https://login.example.test' });
const server = setupServer(
  ...oauth.handlers,
  http.get(
    'https://shop.example.test/orders',
    oauth.protect(({ request }) => {
      const page = Number(new URL(request.url).searchParams.get('page'));
      return HttpResponse.json([{ id: page, item: `page ${page}` }]);
    }),
  ),
);
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => oauth.reset());
afterAll(() => server.close());

const config = {
  apiBase: 'https://shop.example.test',
  tokenEndpoint: oauth.tokenEndpoint,
  clientId: oauth.clientId,
  clientSecret: oauth.clientSecret,
};

it('the nightly report resumes a stale session with one refresh for all its pages', async () => {
  const session = oauth.issueTokens();
  oauth.advance(60 * 60_000); // the script runs an hour after the session was saved

  const pages = await nightlyReport(config, session, 8);

  expect(pages.map(([order]) => order?.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  expect(oauth).toHaveRefreshed(1);
  expect(oauth).not.toHaveDetectedReuse();
});

it('the server rotated the refresh token but its answer was lost: the script fails, the grant is gone', async () => {
  const session = oauth.issueTokens();
  oauth.expireAccessTokens();
  oauth.loseResponseAfterRotation();

  await expect(nightlyReport(config, session, 3)).rejects.toThrow();
  // The retry presented the only refresh token the script had, which the server had already rotated.
  expect(oauth).toHaveDetectedReuse(1);
  expect(oauth).toHaveRevokedGrants(1);
  // The request log shows what happened without showing any token.
  const calls = oauth.counters
    .requestsSeenBy(oauth.issuer)
    .map((record) => `${record.status} ${record.path}`);
  expect(calls).toEqual(['502 /token', '400 /token']);
  expect(JSON.stringify(oauth.counters.requestLog)).not.toContain(session.refreshToken);
});
