import { type HttpHandler, http } from 'msw';

/** msw transport: one handler per origin (any method, any path), answered by a Fetch-API handler. */

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function originHandlers(
  origins: readonly string[],
  handle: (request: Request) => Promise<Response>,
): HttpHandler[] {
  return origins.map((origin) => {
    const wanted = new URL(origin).origin;
    return http.all(new RegExp(`^${escapeRegExp(wanted)}(?:[/?#]|$)`), ({ request }) => handle(request));
  });
}
