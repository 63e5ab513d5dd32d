import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

// Tests run against the packages' sources, so a change is tested without a rebuild.
const alias = {
  '@tokenrelay/core/file-store': here('./packages/core/src/file-store.ts'),
  '@tokenrelay/core/testing': here('./packages/core/src/testing.ts'),
  '@tokenrelay/core': here('./packages/core/src/index.ts'),
  '@tokenrelay/axios': here('./packages/axios/src/index.ts'),
  '@tokenrelay/got': here('./packages/got/src/index.ts'),
  '@tokenrelay/ky': here('./packages/ky/src/index.ts'),
  '@tokenrelay/fetch': here('./packages/fetch/src/index.ts'),
  '@tokenrelay/test-utils/real-server': here('./test-utils/src/real-server/index.ts'),
  '@tokenrelay/test-utils/conformance': here('./test-utils/src/conformance/index.ts'),
  '@tokenrelay/test-utils/integration': here('./test-utils/src/integration/index.ts'),
  '@tokenrelay/test-utils/vitest': here('./test-utils/src/vitest/index.ts'),
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
      project('test-utils', 'test-utils'),
      project('examples', 'examples'),
      project('soak', 'soak'),
      project('bench', 'bench'),
    ],
  },
});
