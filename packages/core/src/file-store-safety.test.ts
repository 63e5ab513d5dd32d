/**
 * fileStore fails safe: a corrupt file is reported (naming the file, never its contents) and kept, nulls read as
 * absent, a failed read is a StoreError with its cause, versions are persisted and fence writes, and a caller's
 * signal ends every call.
 */
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isTokenRelayError, type StoreError } from './errors.ts';
import { fileStore } from './file-store.ts';
import type { TokenSet } from './types.ts';

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return { ...actual, readFile: vi.fn(actual.readFile) };
});

const tokens: TokenSet = {
  accessToken: 'at-secret-1',
  refreshToken: 'rt-secret-1',
  expiresAt: 1_000,
  version: 3,
};

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'tokenrelay-file-store-safety-'));
  file = join(dir, 'tokens.json');
});

afterEach(async () => {
  const actual = await vi.importActual<typeof import('node:fs/promises')>('node:fs/promises');
  vi.mocked(fs.readFile).mockReset();
  vi.mocked(fs.readFile).mockImplementation(actual.readFile);
  await fs.rm(dir, { recursive: true, force: true });
});

const failure = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => new Error('expected a rejection'),
    (error: unknown) => error,
  );

describe('fileStore fail-safe', () => {
  it('reads null optional fields as absent, not as corrupt', async () => {
    await fs.writeFile(
      file,
      '{"accessToken":"at-1","refreshToken":"rt-1","expiresAt":null,"issuedAt":null,"scope":null,"tokenType":null,"version":null}',
    );
    await expect(fileStore(file).get()).resolves.toEqual({ accessToken: 'at-1', refreshToken: 'rt-1' });
  });

  it('a corrupt file is a StoreError naming the file, left in place on read, moved aside (not deleted) by a write', async () => {
    const corrupt = '{"accessToken":"at-secret-1","refreshToken":"rt-secret-1","expiresAt":"soon"}';
    await fs.writeFile(file, corrupt);
    const store = fileStore(file);
    for (let i = 0; i < 2; i += 1) {
      const error = await failure(store.get());
      expect(isTokenRelayError(error, 'STORE')).toBe(true);
      expect((error as StoreError).message).toContain(file);
      expect((error as StoreError).message).toContain('expiresAt');
      expect(JSON.stringify(error)).not.toContain('secret');
    }
    await expect(fs.readFile(file, 'utf8')).resolves.toBe(corrupt);

    // A new login writes new tokens: the corrupt file is kept beside them for whoever wants to look.
    await store.set({ accessToken: 'at-2' });
    await expect(store.get()).resolves.toEqual({ accessToken: 'at-2' });
    const aside = (await fs.readdir(dir)).filter((name) => /^tokens\.json\.corrupt-\d+$/.test(name));
    expect(aside).toHaveLength(1);
    await expect(fs.readFile(join(dir, aside[0] ?? ''), 'utf8')).resolves.toBe(corrupt);
  });

  it('clear() moves a corrupt file aside instead of deleting it', async () => {
    await fs.writeFile(file, 'not json at-secret-1');
    await fileStore(file).clear({ version: 1 });
    const names = await fs.readdir(dir);
    expect(names).not.toContain('tokens.json');
    expect(names.filter((name) => name.startsWith('tokens.json.corrupt-'))).toHaveLength(1);
  });

  it.each(['EMFILE', 'EACCES', 'EIO'])(
    'a read failing with %s is a StoreError with the cause kept',
    async (code) => {
      await fileStore(file).set(tokens);
      vi.mocked(fs.readFile).mockRejectedValueOnce(Object.assign(new Error(code), { code }));
      const error = await failure(fileStore(file).get());
      expect(isTokenRelayError(error, 'STORE')).toBe(true);
      expect((error as StoreError).cause).toMatchObject({ code });
      // Nothing was lost: the next read sees the tokens.
      await expect(fileStore(file).get()).resolves.toEqual(tokens);
    },
  );

  it('persists the version and fences writes against it, across store instances', async () => {
    await fileStore(file).set(tokens);
    expect(JSON.parse(await fs.readFile(file, 'utf8'))).toMatchObject({ version: 3 });
    const stale = await failure(fileStore(file).set({ ...tokens, accessToken: 'at-old', version: 2 }));
    expect(isTokenRelayError(stale, 'STORE_CONFLICT')).toBe(true);
    await fileStore(file).set({ ...tokens, accessToken: 'at-4', version: 4 });
    await expect(fileStore(file).get()).resolves.toMatchObject({ accessToken: 'at-4', version: 4 });
    // No lock directories or owner files are left behind by fenced writes.
    expect((await fs.readdir(dir)).sort()).toEqual(['tokens.json']);
  });

  it('a read that does not finish rejects with the signal reason when the signal aborts', async () => {
    await fileStore(file).set(tokens);
    vi.mocked(fs.readFile).mockImplementationOnce(() => new Promise(() => undefined));
    const store = fileStore(file);
    const controller = new AbortController();
    const reading = failure(store.get({ signal: controller.signal }));
    const reason = new Error('store timeout');
    controller.abort(reason);
    await expect(reading).resolves.toBe(reason);
  });

  it('a call queued behind a hung one is not run once its signal aborted', async () => {
    vi.mocked(fs.readFile).mockImplementationOnce(() => new Promise(() => undefined));
    const store = fileStore(file);
    void store.get().catch(() => undefined);
    const controller = new AbortController();
    const writing = failure(store.set(tokens, { signal: controller.signal }));
    controller.abort(new Error('gave up'));
    await expect(writing).resolves.toMatchObject({ message: 'gave up' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(fs.readdir(dir)).resolves.toEqual([]);
  });
});
