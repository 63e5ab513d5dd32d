/**
 * `@tokenrelay/msw/node`: Node-only helpers. `listenLoopback` serves any Fetch-API handler on 127.0.0.1 with a
 * random port (what `server.listen()` uses), e.g. for a redirect target of your own.
 * @module
 */
export { type LoopbackListener, listenLoopback } from './http-listener.ts';
