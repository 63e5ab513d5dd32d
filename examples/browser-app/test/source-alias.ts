import { fileURLToPath } from 'node:url';

export const repoPath = (path: string): string => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

/**
 * The page is bundled from the packages' sources, so a change is tested without a rebuild. esbuild carries an alias
 * over to subpaths (`@tokenrelay/core/adapter-kit` -> `<alias>/adapter-kit`), so core maps to its source folder,
 * where `index.ts` and `adapter-kit.ts` resolve by esbuild's own rules.
 */
export const sourceAlias: Readonly<Record<string, string>> = {
  '@tokenrelay/core': repoPath('packages/core/src'),
  '@tokenrelay/ky': repoPath('packages/ky/src/index.ts'),
  '@tokenrelay/fetch': repoPath('packages/fetch/src/index.ts'),
  '@tokenrelay/browser': repoPath('packages/browser/src/index.ts'),
};
