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
