import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: ['src/index.ts', 'src/adapter-kit.ts', 'src/file-store.ts', 'src/testing.ts'],
  format: ['esm'],
  dts: true,
  platform: 'node',
  target: 'es2022',
  clean: true,
  fixedExtension: false,
});
