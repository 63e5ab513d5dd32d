/**
 * The soak's authorization server and API: the OAuth2 emulation on 127.0.0.1 listeners, in a child process of its
 * own, so that the heap the soak measures is the clients' alone (the emulation keeps every token it issued, for
 * reuse detection: about 400 bytes per refresh). Started by `startSoakServer()` with the access-token lifetime in ms
 * as its argument; answers the messages of `protocol.ts` and exits when told to or when its parent goes away.
 */
import { createOAuthServer } from '@tokenrelay/test-utils';
import type { ParentMessage, ServerMessage } from './protocol.ts';

const ttlMs = Number(process.argv[2]);
if (!(Number.isFinite(ttlMs) && ttlMs > 0))
  throw new Error('usage: server-process.ts <access token TTL in ms>');

const send = (message: ServerMessage): void => {
  process.send?.(message);
};

// The log is only for tests that read it; a long run keeps the last few records.
const emu = createOAuthServer({ accessTokenTtlMs: ttlMs, requestLogLimit: 100 });
const live = await emu.listen();

let closing: Promise<void> | undefined;
const close = (): Promise<void> => {
  closing ??= live.close();
  return closing;
};

// The parent went away (or is done): close the listeners, and the process ends with nothing left to run.
process.on('disconnect', () => {
  void close();
});

process.on('message', (message: ParentMessage) => {
  if (message.type === 'grant') {
    send({ id: message.id, type: 'grant', tokens: emu.tokenSet() });
  } else if (message.type === 'counters') {
    const { tokenCalls, successfulRefreshes, reuseDetections, unauthorized, apiRequests } = emu.counters;
    const counters = { tokenCalls, successfulRefreshes, reuseDetections, unauthorized, apiRequests };
    const gc: unknown = Reflect.get(globalThis, 'gc');
    if (typeof gc === 'function') Reflect.apply(gc, globalThis, []);
    send({ id: message.id, type: 'counters', counters, heapUsed: process.memoryUsage().heapUsed });
  } else if (message.type === 'close') {
    void close().then(() => {
      send({ id: message.id, type: 'closed' });
      process.disconnect?.();
    });
  }
});

send({
  type: 'ready',
  info: {
    apiOrigin: live.apiOrigin,
    tokenEndpoint: live.tokenEndpoint,
    clientId: emu.clientId,
    clientSecret: emu.clientSecret,
  },
});
