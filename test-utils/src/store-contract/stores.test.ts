/**
 * The `TokenStore` contract, run against core's stores and the shared in-memory test store.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryStore } from '@tokenrelay/core';
import { fileStore } from '@tokenrelay/core/file-store';
import { runStoreContract } from './index.ts';
import { sharedMemoryStore } from './shared-memory-store.ts';

runStoreContract('memoryStore', () => ({ store: memoryStore() }));

runStoreContract(
  'fileStore',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tokenrelay-store-contract-'));
    const path = join(dir, 'tokens.json');
    // A short lease, so that a holder notices within a second that its lock was taken over.
    const options = { lock: { staleMs: 2_000 } };
    return {
      store: fileStore(path, options),
      // Another process would open its own store on the same path.
      open: () => fileStore(path, options),
      // What a process that found the lock stale does: it replaces the lock and names itself its owner.
      async loseLock() {
        await rm(`${path}.lock`, { recursive: true, force: true });
        await mkdir(`${path}.lock`);
        await writeFile(`${path}.lock-owner`, 'another-process');
      },
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
  { lock: true, loseLock: true },
);

runStoreContract(
  'sharedMemoryStore (test-utils)',
  () => {
    const shared = sharedMemoryStore();
    return { store: shared.open(), open: () => shared.open(), loseLock: async () => shared.loseLock() };
  },
  { lock: true, subscribe: true, loseLock: true },
);
