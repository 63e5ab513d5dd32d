/**
 * `@tokenrelay/msw/vitest`: importing it (in a test file or a setup file) adds the server matchers to vitest's
 * `expect`: `expect(server).toHaveRefreshed(1)`, `expect(server).not.toHaveDetectedReuse()`.
 * @module
 */
import { expect } from 'vitest';
import { type OAuthServerMatchers, oauthMatchers } from './matchers.ts';

expect.extend(oauthMatchers);

declare module 'vitest' {
  interface Matchers<R extends void | Promise<void> = void | Promise<void>, T = unknown>
    extends OAuthServerMatchers<R> {}
}

export {
  type MatcherContext,
  type MatcherFn,
  type MatcherResult,
  type OAuthServerMatchers,
  oauthMatchers,
} from './matchers.ts';
