import type { Effect } from './machine-types.ts';
import type { TokenManagerEventName, TokenManagerEvents } from './types.ts';

type Listener<E extends TokenManagerEventName> = (payload: TokenManagerEvents[E]) => void;

export interface Emitter {
  on<E extends TokenManagerEventName>(event: E, listener: Listener<E>): () => void;
  emit<E extends TokenManagerEventName>(event: E, payload: TokenManagerEvents[E]): void;
  clear(): void;
}

/** A typed event emitter. A listener that throws does not disturb the manager or the other listeners. */
export function createEmitter(): Emitter {
  const listeners = new Map<TokenManagerEventName, Set<(payload: never) => void>>();
  return {
    on(event, listener) {
      let set = listeners.get(event);
      if (set === undefined) {
        set = new Set();
        listeners.set(event, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
    emit(event, payload) {
      for (const listener of [...(listeners.get(event) ?? [])]) {
        try {
          (listener as Listener<typeof event>)(payload);
        } catch {
          // Listener errors are the listener's business; the token flow goes on.
        }
      }
    },
    clear() {
      listeners.clear();
    },
  };
}

/** The machine's effects that are events for the manager's listeners. */
export type EventEffect = Extract<Effect, { readonly type: `emit-${string}` }>;

/** Emits the event that an `emit-*` effect of the machine stands for. */
export function emitEffect(events: Emitter, effect: EventEffect): void {
  switch (effect.type) {
    case 'emit-tokens':
      events.emit('tokens', effect.tokens);
      return;
    case 'emit-refreshed':
      events.emit('refreshed', { expiresAt: effect.tokens.expiresAt });
      return;
    case 'emit-refresh-failed':
      events.emit('refresh-failed', {
        error: effect.error,
        attempt: effect.attempt,
        willRetry: effect.willRetry,
      });
      return;
    case 'emit-reauth-required':
      events.emit('reauth-required', { error: effect.error });
      return;
    case 'emit-token-rejected':
      events.emit('token-rejected', { error: effect.error });
      return;
  }
}
