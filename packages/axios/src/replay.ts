/** What a replay after a 401 needs from the request body and headers. */

/**
 * A body that can be sent a second time. By the time a 401 comes back, axios has run `transformRequest`, so
 * `config.data` is what went on the wire: a string, bytes, URLSearchParams, FormData, a Blob, or a stream. Only a
 * stream is used up by the first send.
 */
export function isReplayableBody(data: unknown): boolean {
  if (typeof data !== 'object' || data === null) return true;
  const candidate = data as { pipe?: unknown; getReader?: unknown; [Symbol.asyncIterator]?: unknown };
  return (
    typeof candidate.pipe !== 'function' &&
    typeof candidate.getReader !== 'function' &&
    typeof candidate[Symbol.asyncIterator] !== 'function'
  );
}

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
