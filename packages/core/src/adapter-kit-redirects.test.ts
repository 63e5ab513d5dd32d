/**
 * `isRedirect` lets the wrapper skip `followRedirects` for a final response; it must say yes to everything
 * `followRedirects` acts on (a redirect with a Location, or an opaque redirect), and no to the rest.
 */
import { describe, expect, it } from 'vitest';
import { isRedirect } from './adapter-kit-redirects.ts';

const answer = (status: number, headers: Record<string, string> = {}): Response =>
  new Response(null, { status, headers });

describe('isRedirect', () => {
  it('a redirect status with a Location', () => {
    for (const status of [301, 302, 303, 307, 308]) {
      expect(isRedirect(answer(status, { location: '/next' }))).toBe(true);
    }
  });

  it('not without a Location, nor for the other 3xx, nor for final answers', () => {
    for (const status of [301, 302, 303, 307, 308]) expect(isRedirect(answer(status))).toBe(false);
    expect(isRedirect(answer(300, { location: '/next' }))).toBe(false);
    expect(isRedirect(answer(304, { location: '/next' }))).toBe(false);
    expect(isRedirect(answer(200, { location: '/next' }))).toBe(false);
    expect(isRedirect(answer(401))).toBe(false);
  });

  it('an opaque redirect (a browser hiding it), whatever its status says', () => {
    const opaque = Object.defineProperty(answer(200), 'type', { value: 'opaqueredirect' });
    expect(isRedirect(opaque)).toBe(true);
  });
});
