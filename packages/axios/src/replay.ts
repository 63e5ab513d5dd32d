/** What a replay after a 401 needs from the request body and headers. */

/**
 * The replay sends `config.data` as it is: it was already serialized once, and a second `transformRequest` would
 * serialize it again (a JSON string quoted twice, or a user transform applied twice). The content type it got the
 * first time is in `config.headers` and goes with it.
 */
export const sendAsIs = <T>(data: T): T => data;

/** A header value of a response, whatever shape the adapter gave the headers. */
export function headerOf(headers: unknown, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const getter = (headers as { get?: unknown }).get;
  let value: unknown =
    typeof getter === 'function' ? (getter as (n: string) => unknown).call(headers, name) : undefined;
  if (value === undefined || value === null) {
    const lower = name.toLowerCase();
    const key = Object.keys(headers).find((k) => k.toLowerCase() === lower);
    value = key === undefined ? undefined : (headers as Record<string, unknown>)[key];
  }
  if (Array.isArray(value)) return value.map(String).join(', ');
  return typeof value === 'string' ? value : undefined;
}
