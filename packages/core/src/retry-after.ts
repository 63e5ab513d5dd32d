/**
 * `Retry-After` (RFC 9110 section 10.2.3): either delta-seconds or an HTTP-date. All three HTTP-date forms of
 * RFC 9110 section 5.6.7 are accepted (IMF-fixdate, the obsolete RFC 850 form and asctime), parsed here rather
 * than by `Date.parse`, whose handling of non-ISO strings differs between runtimes.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = MONTHS.join('|');
const DAY = 'Mon|Tue|Wed|Thu|Fri|Sat|Sun';
const DAY_LONG = 'Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';

// Sun, 06 Nov 1994 08:49:37 GMT
const IMF_FIXDATE = new RegExp(`^(?:${DAY}), (\\d{2}) (${MONTH}) (\\d{4}) ${TIME} GMT$`);
// Sunday, 06-Nov-94 08:49:37 GMT
const RFC850_DATE = new RegExp(`^(?:${DAY_LONG}), (\\d{2})-(${MONTH})-(\\d{2}) ${TIME} GMT$`);
// Sun Nov  6 08:49:37 1994
const ASCTIME_DATE = new RegExp(`^(?:${DAY}) (${MONTH}) ([ \\d]\\d) ${TIME} (\\d{4})$`);

const DELTA_SECONDS = /^\d+$/;

interface DateParts {
  readonly year: number;
  readonly month: string;
  readonly day: string;
  readonly hour: string;
  readonly minute: string;
  readonly second: string;
}

function toEpoch(parts: DateParts): number | undefined {
  const month = MONTHS.indexOf(parts.month);
  const day = Number(parts.day.trim());
  const hour = Number(parts.hour);
  const minute = Number(parts.minute);
  // 60 is a leap second; it is read as the last second of the minute.
  const second = Math.min(Number(parts.second), 59);
  if (hour > 23 || minute > 59 || Number(parts.second) > 60) return undefined;
  const epoch = Date.UTC(parts.year, month, day, hour, minute, second);
  const check = new Date(epoch);
  // Rejects dates such as 31 Feb, which Date.UTC would roll over into March.
  if (check.getUTCMonth() !== month || check.getUTCDate() !== day) return undefined;
  return epoch;
}

/** A two-digit year more than 50 years ahead of `now` is in the past century (RFC 9110 section 5.6.7). */
function expandYear(twoDigits: number, now: number): number {
  const current = new Date(now).getUTCFullYear();
  let year = Math.floor(current / 100) * 100 + twoDigits;
  if (year > current + 50) year -= 100;
  return year;
}

/** Epoch milliseconds of an HTTP-date, or `undefined` when `value` is not one. */
export function parseHttpDate(value: string, now: number): number | undefined {
  let match = IMF_FIXDATE.exec(value);
  if (match) {
    const [, day = '', month = '', year = '', hour = '', minute = '', second = ''] = match;
    return toEpoch({ year: Number(year), month, day, hour, minute, second });
  }
  match = RFC850_DATE.exec(value);
  if (match) {
    const [, day = '', month = '', year = '', hour = '', minute = '', second = ''] = match;
    return toEpoch({ year: expandYear(Number(year), now), month, day, hour, minute, second });
  }
  match = ASCTIME_DATE.exec(value);
  if (match) {
    const [, month = '', day = '', hour = '', minute = '', second = '', year = ''] = match;
    return toEpoch({ year: Number(year), month, day, hour, minute, second });
  }
  return undefined;
}

/**
 * How long to wait, in ms, according to a `Retry-After` header value; `now` is epoch ms on the caller's clock.
 * A date in the past gives 0. Returns `undefined` when the header is absent or not valid.
 * The result is not clamped beyond `Number.MAX_SAFE_INTEGER`: the caller applies its own maximum delay.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (DELTA_SECONDS.test(trimmed)) {
    return Math.min(Number(trimmed) * 1000, Number.MAX_SAFE_INTEGER);
  }
  const date = parseHttpDate(trimmed, now);
  if (date === undefined) return undefined;
  return Math.max(0, date - now);
}
