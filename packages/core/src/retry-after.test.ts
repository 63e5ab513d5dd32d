import { describe, expect, it } from 'vitest';
import { parseHttpDate, parseRetryAfter } from './retry-after.ts';

const now = Date.UTC(1994, 10, 6, 8, 49, 0); // Sun, 06 Nov 1994 08:49:00 GMT

describe('parseRetryAfter', () => {
  it.each([
    ['0', 0],
    ['1', 1000],
    ['120', 120_000],
    ['  7 ', 7000],
    ['007', 7000],
  ])('reads delta-seconds %j', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });

  it('caps an absurd delta at the largest safe integer', () => {
    expect(parseRetryAfter('9'.repeat(400), now)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each([
    ['IMF-fixdate', 'Sun, 06 Nov 1994 08:49:37 GMT'],
    ['RFC 850', 'Sunday, 06-Nov-94 08:49:37 GMT'],
    ['asctime', 'Sun Nov  6 08:49:37 1994'],
  ])('reads an HTTP-date in %s form relative to now', (_form, value) => {
    expect(parseRetryAfter(value, now)).toBe(37_000);
  });

  it('gives 0 for a date in the past', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:48:00 GMT', now)).toBe(0);
  });

  it('uses the given clock, not the system clock', () => {
    const later = now + 30_000;
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', later)).toBe(7000);
  });

  it.each([
    [undefined],
    [null],
    [''],
    ['-1'],
    ['1.5'],
    ['+3'],
    ['soon'],
    ['Sun, 31 Feb 1994 08:49:37 GMT'],
    ['Sun, 06 Nov 1994 24:00:00 GMT'],
    ['Sun, 06 Nov 1994 08:61:00 GMT'],
    ['Sun, 06 Nov 1994 08:49:37 UTC'],
    ['Sun, 06 Foo 1994 08:49:37 GMT'],
    ['1994-11-06T08:49:37Z'],
  ])('rejects %j', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});

describe('parseHttpDate', () => {
  it('reads a two-digit RFC 850 year as the most recent matching year not more than 50 years ahead', () => {
    const in2030 = Date.UTC(2030, 0, 1);
    expect(new Date(parseHttpDate('Friday, 01-Jan-60 00:00:00 GMT', in2030)!).getUTCFullYear()).toBe(2060);
    expect(new Date(parseHttpDate('Saturday, 01-Jan-99 00:00:00 GMT', in2030)!).getUTCFullYear()).toBe(1999);
  });

  it('reads a leap second as the last second of the minute', () => {
    expect(parseHttpDate('Sat, 31 Dec 2016 23:59:60 GMT', now)).toBe(Date.UTC(2016, 11, 31, 23, 59, 59));
  });
});
