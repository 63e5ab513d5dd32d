/**
 * A `Storage` shared by worker threads through a SharedArrayBuffer: the Node stand-in for one origin's
 * localStorage, so that worker "tabs" see one set of stored tokens (fake-indexeddb is per thread). Each call holds
 * a spin lock word for the few microseconds it reads or writes, so a call is atomic across threads; a
 * compare-and-set across calls relies on the Web Lock, as with a browser's localStorage.
 */

const HEADER_INTS = 2; // [0] lock word, [1] byte length of the JSON map
const BYTES = 64 * 1024;

export const createSharedStorageBuffer = (): SharedArrayBuffer =>
  new SharedArrayBuffer(HEADER_INTS * 4 + BYTES);

export function sharedStorage(buffer: SharedArrayBuffer): Storage {
  const header = new Int32Array(buffer, 0, HEADER_INTS);
  const bytes = new Uint8Array(buffer, HEADER_INTS * 4);
  const withLock = <T>(body: () => T): T => {
    for (let spins = 0; Atomics.compareExchange(header, 0, 0, 1) !== 0; spins++) {
      if (spins > 1_000_000) throw new Error('shared storage lock not released');
      Atomics.wait(header, 0, 1, 1);
    }
    try {
      return body();
    } finally {
      Atomics.store(header, 0, 0);
      Atomics.notify(header, 0);
    }
  };
  const load = (): Record<string, string> => {
    const length = Atomics.load(header, 1);
    return length === 0
      ? {}
      : (JSON.parse(new TextDecoder().decode(bytes.slice(0, length))) as Record<string, string>);
  };
  const save = (map: Record<string, string>): void => {
    const encoded = new TextEncoder().encode(JSON.stringify(map));
    if (encoded.length > BYTES) throw new Error('shared storage is full');
    bytes.set(encoded);
    Atomics.store(header, 1, encoded.length);
  };
  const storage = {
    getItem: (key: string): string | null => withLock(() => load()[key] ?? null),
    setItem: (key: string, value: string): void =>
      withLock(() => {
        const map = load();
        map[key] = String(value);
        save(map);
      }),
    removeItem: (key: string): void =>
      withLock(() => {
        const map = load();
        delete map[key];
        save(map);
      }),
    clear: (): void => withLock(() => save({})),
    key: (index: number): string | null => withLock(() => Object.keys(load())[index] ?? null),
    get length(): number {
      return withLock(() => Object.keys(load()).length);
    },
  };
  return storage as Storage;
}
