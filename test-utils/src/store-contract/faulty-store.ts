import { StoreError, type TokenSet, type TokenStore } from '@tokenrelay/core';

/** Faults to inject into a store's calls. Each is off unless set; `heal()` turns every one off. */
export interface StoreFaults {
  /** The next `get` rejects with a `StoreError` (as an EMFILE or a network blip would), once. */
  readonly getRejectsOnce?: boolean | undefined;
  /** Every `get` hangs: it never settles, whatever its signal says (a wedged backend), until `heal()`. */
  readonly getHangs?: boolean | undefined;
  /** The next `set` hangs for good, whatever its signal says, and writes nothing. */
  readonly setHangsOnce?: boolean | undefined;
  /**
   * The next `set` is held back: it reaches the real store only when `releaseLate()` is called (its promise
   * settles then, with whatever the real store answers: a fenced store refuses it if newer tokens landed).
   */
  readonly setLate?: boolean | undefined;
  /** Every `get` resolves with tokens that are not a valid token set (CR LF in the token, a string expiry). */
  readonly corrupt?: boolean | undefined;
}

export interface FaultyStore {
  /** The store with the faults, to hand to a manager. */
  readonly store: TokenStore;
  /** Calls made through `store`, by method. */
  readonly calls: {
    readonly get: number;
    readonly set: number;
    readonly clear: number;
    readonly lock: number;
  };
  /** Calls that are hanging now (and will never settle). */
  readonly hanging: number;
  /** Turns every fault off; later calls go straight to the real store. Hanging calls stay hung. */
  heal(): void;
  /** Lets held-back (`setLate`) writes reach the real store; resolves when they have. */
  releaseLate(): Promise<void>;
}

const CORRUPT = { accessToken: 'at-corrupt\r\nX-Injected: 1', expiresAt: 'soon' } as unknown as TokenSet;

/** Wraps `real` so that its calls fail as `faults` say. `lock` and `subscribe` pass through when `real` has them. */
export function faultyStore(real: TokenStore, faults: StoreFaults): FaultyStore {
  let active: StoreFaults = { ...faults };
  const calls = { get: 0, set: 0, clear: 0, lock: 0 };
  let hanging = 0;
  const late: Array<() => Promise<void>> = [];
  const hang = <T>(): Promise<T> => {
    hanging += 1;
    return new Promise<T>(() => undefined);
  };

  const store: TokenStore = {
    get(options) {
      calls.get += 1;
      if (active.getHangs) return hang();
      if (active.getRejectsOnce) {
        active = { ...active, getRejectsOnce: false };
        return Promise.reject(
          new StoreError('Could not read the tokens (injected fault)', {
            cause: Object.assign(new Error('too many open files'), { code: 'EMFILE' }),
          }),
        );
      }
      if (active.corrupt) return Promise.resolve({ ...CORRUPT });
      return real.get(options);
    },
    set(tokens, options) {
      calls.set += 1;
      if (active.setHangsOnce) {
        active = { ...active, setHangsOnce: false };
        return hang();
      }
      if (active.setLate) {
        active = { ...active, setLate: false };
        const held = { ...tokens };
        return new Promise<void>((resolve, reject) => {
          late.push(() => real.set(held).then(resolve, reject));
        });
      }
      return real.set(tokens, options);
    },
    clear(options) {
      calls.clear += 1;
      return real.clear(options);
    },
  };
  if (real.lock !== undefined) {
    const lock = real.lock.bind(real);
    store.lock = (fn, options) => {
      calls.lock += 1;
      return lock(fn, options);
    };
  }
  if (real.subscribe !== undefined) store.subscribe = real.subscribe.bind(real);

  return {
    store,
    calls,
    get hanging() {
      return hanging;
    },
    heal() {
      active = {};
    },
    async releaseLate() {
      const pending = late.splice(0);
      await Promise.all(pending.map((write) => write().catch(() => undefined)));
    },
  };
}
