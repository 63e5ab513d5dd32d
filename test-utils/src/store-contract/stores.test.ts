/**
 * The `TokenStore` contract, run against core's stores and the shared in-memory test store.
 */
import { mkdtemp, rm } from 'node:fs/promises';
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
    return {
      store: fileStore(path),
      // Another process would open its own store on the same path.
      open: () => fileStore(path),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
  { lock: true },
);

runStoreContract(
  'sharedMemoryStore (test-utils)',
  () => {
    const shared = sharedMemoryStore();
    return { store: shared.open(), open: () => shared.open() };
  },
  { lock: true, subscribe: true },
);
