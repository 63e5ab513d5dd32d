import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError, isTokenRelayError, StoreError } from './errors.ts';
import { fileStore } from './file-store.ts';
import type { TokenSet } from './types.ts';

// The real fs, wrapped so that single tests can observe or fail single calls.
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return { ...actual, open: vi.fn(actual.open), rename: vi.fn(actual.rename) };
});

const tokens: TokenSet = {
  accessToken: 'at-secret-1',
  refreshToken: 'rt-secret-1',
  tokenType: 'Bearer',
  expiresAt: 1_700_000_000_000,
  issuedAt: 1_699_999_000_000,
  scope: 'read write',
};

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'tokenrelay-file-store-'));
  file = join(dir, 'tokens.json');
});

afterEach(async () => {
  vi.mocked(fs.open).mockReset();
  vi.mocked(fs.rename).mockReset();
  const actual = await vi.importActual<typeof import('node:fs/promises')>('node:fs/promises');
  vi.mocked(fs.open).mockImplementation(actual.open);
  vi.mocked(fs.rename).mockImplementation(actual.rename);
  await fs.rm(dir, { recursive: true, force: true });
});

const entries = (): Promise<string[]> => fs.readdir(dir);

describe('fileStore', () => {
  it('returns undefined when the file does not exist', async () => {
    await expect(fileStore(file).get()).resolves.toBeUndefined();
  });

  it('round-trips tokens through the file, across store instances', async () => {
    await fileStore(file).set(tokens);
    await expect(fileStore(file).get()).resolves.toEqual(tokens);
    expect(JSON.parse(await fs.readFile(file, 'utf8'))).toEqual(tokens);
  });

  it('keeps only the token fields, and omits absent ones', async () => {
    const store = fileStore(file);
    await store.set({ accessToken: 'a', extra: 'nope' } as TokenSet);
    expect(JSON.parse(await fs.readFile(file, 'utf8'))).toEqual({ accessToken: 'a' });
    await expect(store.get()).resolves.toEqual({ accessToken: 'a' });
  });

  it('writes the file with mode 0600, also over an existing wider file', async () => {
    await fs.writeFile(file, JSON.stringify({ accessToken: 'old' }), { mode: 0o644 });
    await fs.chmod(file, 0o644);
    await fileStore(file).set(tokens);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
  });

  it('uses the given mode exactly, whatever the umask', async () => {
    const previous = process.umask(0o077);
    try {
      await fileStore(file, { mode: 0o640 }).set(tokens);
    } finally {
      process.umask(previous);
    }
    expect((await fs.stat(file)).mode & 0o777).toBe(0o640);
  });

  it('creates a missing parent directory', async () => {
    const nested = join(dir, 'a', 'b', 'tokens.json');
    await fileStore(nested).set(tokens);
    await expect(fileStore(nested).get()).resolves.toEqual(tokens);
  });

  it('leaves no temp files behind', async () => {
    const store = fileStore(file);
    await store.set(tokens);
    await store.set({ ...tokens, accessToken: 'at-2' });
    expect(await entries()).toEqual(['tokens.json']);
  });

  it('clear removes the file and does not fail when it is missing', async () => {
    const store = fileStore(file);
    await store.set(tokens);
    await store.clear();
    expect(await entries()).toEqual([]);
    await expect(store.clear()).resolves.toBeUndefined();
    await expect(store.get()).resolves.toBeUndefined();
  });

  it('serializes concurrent sets: one write at a time, the last call wins', async () => {
    const events: string[] = [];
    const actual = await vi.importActual<typeof import('node:fs/promises')>('node:fs/promises');
    vi.mocked(fs.open).mockImplementation(async (...args: Parameters<typeof actual.open>) => {
      if (String(args[0]).endsWith('.tmp')) events.push('open');
      return actual.open(...args);
    });
    vi.mocked(fs.rename).mockImplementation(async (...args: Parameters<typeof actual.rename>) => {
      events.push('rename');
      return actual.rename(...args);
    });
    const store = fileStore(file);
    const writes = Array.from({ length: 20 }, (_, i) => store.set({ ...tokens, accessToken: `at-${i}` }));
    const read = store.get();
    await Promise.all(writes);
    expect(events).toEqual(Array.from({ length: 20 }, () => ['open', 'rename']).flat());
    // A get called after the sets sees the last of them.
    await expect(read).resolves.toEqual({ ...tokens, accessToken: 'at-19' });
    expect(await entries()).toEqual(['tokens.json']);
  });

  it('a write that fails half-way leaves the previous file intact and no temp file', async () => {
    const store = fileStore(file);
    await store.set(tokens);
    const actual = await vi.importActual<typeof import('node:fs/promises')>('node:fs/promises');
    vi.mocked(fs.open).mockImplementationOnce(async (...args: Parameters<typeof actual.open>) => {
      const handle = await actual.open(...args);
      handle.writeFile = async () => {
        await handle.write('{"accessToken":"at-half');
        throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      };
      return handle;
    });
    const error = await store.set({ ...tokens, accessToken: 'at-2' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).cause).toMatchObject({ code: 'ENOSPC' });
    await expect(store.get()).resolves.toEqual(tokens);
    expect(await entries()).toEqual(['tokens.json']);
    // The store is still usable afterwards.
    await store.set({ ...tokens, accessToken: 'at-3' });
    await expect(store.get()).resolves.toEqual({ ...tokens, accessToken: 'at-3' });
  });

  it('a failed rename leaves the previous file intact and no temp file', async () => {
    const store = fileStore(file);
    await store.set(tokens);
    vi.mocked(fs.rename).mockRejectedValueOnce(Object.assign(new Error('busy'), { code: 'EBUSY' }));
    await expect(store.set({ ...tokens, accessToken: 'at-2' })).rejects.toBeInstanceOf(StoreError);
    await expect(store.get()).resolves.toEqual(tokens);
    expect(await entries()).toEqual(['tokens.json']);
  });

  it('a partial temp file left by a crashed writer does not affect the target', async () => {
    const store = fileStore(file);
    await store.set(tokens);
    // What a process killed between write and rename leaves behind.
    await fs.writeFile(join(dir, '.tokens.json.0b1d2c3e.tmp'), '{"accessToken":"at-cr', { mode: 0o600 });
    await expect(fileStore(file).get()).resolves.toEqual(tokens);
    await store.set({ ...tokens, accessToken: 'at-2' });
    await expect(fileStore(file).get()).resolves.toEqual({ ...tokens, accessToken: 'at-2' });
  });

  it.each([
    ['not JSON', '{"accessToken":"at-secret-1", "refreshToken": "rt-secret-1"', 'not valid JSON'],
    ['empty', '', 'not valid JSON'],
    ['an array', '["at-secret-1"]', 'JSON object'],
    ['no access token', '{"refreshToken":"rt-secret-1"}', 'accessToken'],
    ['a numeric refresh token', '{"accessToken":"at-secret-1","refreshToken":1}', 'refreshToken'],
    ['a string expiry', '{"accessToken":"at-secret-1","expiresAt":"soon"}', 'expiresAt'],
  ])('a corrupt file (%s) gives a StoreError that does not quote it', async (_case, text, detail) => {
    await fs.writeFile(file, text);
    const error = await fileStore(file)
      .get()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(isTokenRelayError(error, 'STORE')).toBe(true);
    const err = error as StoreError;
    expect(err.message).toContain(detail);
    expect(err.cause).toBeInstanceOf(Error);
    for (const shown of [
      err.message,
      JSON.stringify(err),
      inspect(err),
      String((err.cause as Error).message),
    ]) {
      expect(shown).not.toContain('at-secret-1');
      expect(shown).not.toContain('rt-secret-1');
    }
  });

  it('a path that cannot be read gives a StoreError with the cause', async () => {
    await fs.mkdir(file);
    const error = await fileStore(file)
      .get()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).cause).toMatchObject({ code: 'EISDIR' });
  });

  it('refuses bad options at creation', () => {
    expect(() => fileStore('')).toThrow(ConfigurationError);
    expect(() => fileStore(file, { mode: 0o1777 })).toThrow(ConfigurationError);
    expect(() => fileStore(file, { mode: 1.5 })).toThrow(ConfigurationError);
  });
});
