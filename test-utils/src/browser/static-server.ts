import { type LoopbackListener, listenLoopback } from '@tokenrelay/msw/node';

/** A file served by `serveStatic`: its body and content type. */
export interface StaticFile {
  readonly body: string | Uint8Array;
  readonly contentType: string;
}

/**
 * Serves fixed files (and optional JSON routes) on 127.0.0.1 with a random port: the test page's origin. A path not
 * listed is 404.
 */
export function serveStatic(
  files: Readonly<Record<string, StaticFile>>,
  routes: Readonly<Record<string, () => unknown>> = {},
): Promise<LoopbackListener> {
  return listenLoopback(async (request) => {
    const { pathname } = new URL(request.url);
    const route = routes[pathname];
    if (route !== undefined) return Response.json(route(), { headers: { 'cache-control': 'no-store' } });
    const file = files[pathname];
    if (file === undefined) return new Response('not found', { status: 404 });
    return new Response(file.body as BodyInit, {
      headers: { 'content-type': file.contentType, 'cache-control': 'no-store' },
    });
  });
}
