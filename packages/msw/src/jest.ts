/**
 * `@tokenrelay/msw/jest`: importing it from a jest setup file (`setupFilesAfterEnv`) adds the server matchers to
 * jest's global `expect`; with `@jest/globals` call `expect.extend(oauthMatchers)` yourself.
 * @module
 */
import { type OAuthServerMatchers, oauthMatchers } from './matchers.ts';

interface Extendable {
  extend(matchers: typeof oauthMatchers): void;
}

const globalExpect = (globalThis as { expect?: Partial<Extendable> }).expect;
if (typeof globalExpect?.extend === 'function') globalExpect.extend(oauthMatchers);

declare global {
  namespace jest {
    interface Matchers<R> extends OAuthServerMatchers<R> {}
  }
}

export {
  type MatcherContext,
  type MatcherFn,
  type MatcherResult,
  type OAuthServerMatchers,
  oauthMatchers,
} from './matchers.ts';
