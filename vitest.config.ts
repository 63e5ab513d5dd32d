import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

// Tests run against the packages' sources, so a change is tested without a rebuild.
const alias = {
  '@tokenrelay/core/adapter-kit': here('./packages/core/src/adapter-kit.ts'),
  '@tokenrelay/core/file-store': here('./packages/core/src/file-store.ts'),
  '@tokenrelay/core/testing': here('./packages/core/src/testing.ts'),
  '@tokenrelay/core': here('./packages/core/src/index.ts'),
  '@tokenrelay/axios': here('./packages/axios/src/index.ts'),
  '@tokenrelay/got': here('./packages/got/src/index.ts'),
  '@tokenrelay/ky': here('./packages/ky/src/index.ts'),
  '@tokenrelay/fetch': here('./packages/fetch/src/index.ts'),
  '@tokenrelay/redis': here('./packages/redis/src/index.ts'),
  '@tokenrelay/test-utils/redis': here('./test-utils/src/redis/index.ts'),
  '@tokenrelay/msw/node': here('./packages/msw/src/node.ts'),
  '@tokenrelay/msw/vitest': here('./packages/msw/src/vitest.ts'),
  '@tokenrelay/msw/jest': here('./packages/msw/src/jest.ts'),
  '@tokenrelay/msw': here('./packages/msw/src/index.ts'),
  '@tokenrelay/browser': here('./packages/browser/src/index.ts'),
  '@tokenrelay/test-utils/real-server': here('./test-utils/src/real-server/index.ts'),
  '@tokenrelay/test-utils/conformance': here('./test-utils/src/conformance/index.ts'),
  '@tokenrelay/test-utils/integration': here('./test-utils/src/integration/index.ts'),
  '@tokenrelay/test-utils/browser': here('./test-utils/src/browser/index.ts'),
  '@tokenrelay/test-utils/vitest': here('./test-utils/src/vitest/index.ts'),
  '@tokenrelay/test-utils/store-contract': here('./test-utils/src/store-contract/index.ts'),
  '@tokenrelay/test-utils': here('./test-utils/src/index.ts'),
};

const project = (name: string, root: string) => ({
  extends: true as const,
  test: {
    name,
    root,
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
});

/** The kit's msw-facing tests again, on msw 2 (the newest 2.x, installed as `msw2`). */
const mswV2 = {
  extends: true as const,
  resolve: {
    alias: [
      { find: /^msw$/, replacement: here('./packages/msw/node_modules/msw2/lib/core/index.mjs') },
      { find: /^msw\/node$/, replacement: here('./packages/msw/node_modules/msw2/lib/node/index.mjs') },
    ],
  },
  test: {
    name: 'msw-v2',
    root: 'packages/msw',
    include: [
      'test/transports.test.ts',
      'test/protect.test.ts',
      'test/clients.test.ts',
      'test/msw-v2.check.ts',
    ],
  },
};

export default defineConfig({
  resolve: { alias },
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    projects: [
      project('core', 'packages/core'),
      project('axios', 'packages/axios'),
      project('got', 'packages/got'),
      project('ky', 'packages/ky'),
      project('fetch', 'packages/fetch'),
      project('redis', 'packages/redis'),
      project('msw', 'packages/msw'),
      mswV2,
      project('browser', 'packages/browser'),
      project('browser-chromium', 'examples/browser-app'),
      project('test-utils', 'test-utils'),
      project('examples', 'examples'),
      project('msw-testing', 'examples/msw-testing'),
      project('soak', 'soak'),
      project('bench', 'bench'),
    ],
  },
});
