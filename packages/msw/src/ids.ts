/** Token values: random by default, a deterministic sequence from a seed (same seed, same tokens, same order). */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const LENGTH = 32;

/** FNV-1a over the seed's text, so strings and numbers both seed the generator. */
const hashSeed = (seed: number | string): number => {
  let hash = 0x811c9dc5;
  for (const char of String(seed)) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
};

/** mulberry32: small, fast, good enough for test tokens (not for secrets). */
const seeded = (seed: number | string): ((bytes: Uint8Array) => void) => {
  let state = hashSeed(seed);
  return (bytes) => {
    for (let i = 0; i < bytes.length; i += 1) {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      bytes[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
    }
  };
};

export interface IdSource {
  /** `<prefix>_<32 url-safe characters>` */
  token(prefix: string): string;
  /** Starts the sequence over (same seed: the same tokens again). */
  reset(): void;
}

export function createIdSource(seed: number | string | undefined): IdSource {
  let fill = seed === undefined ? (bytes: Uint8Array) => crypto.getRandomValues(bytes) : seeded(seed);
  return {
    token(prefix) {
      const bytes = new Uint8Array(LENGTH);
      fill(bytes);
      let out = `${prefix}_`;
      for (const byte of bytes) out += ALPHABET[byte & 63];
      return out;
    },
    reset() {
      if (seed !== undefined) fill = seeded(seed);
    },
  };
}
