import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: ['src/index.ts', 'src/node.ts', 'src/vitest.ts', 'src/jest.ts'],
  format: ['esm'],
  dts: true,
  platform: 'neutral',
  target: 'es2022',
  clean: true,
  fixedExtension: false,
  deps: { neverBundle: [/^node:/, 'msw', 'vitest'] },
});
