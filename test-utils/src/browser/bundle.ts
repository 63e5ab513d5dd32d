import { build } from 'esbuild';
import type { StaticFile } from './static-server.ts';

/**
 * Bundles a page script (plain ESM for Chromium) with esbuild. `alias` maps package names to source files or
 * folders, so a test bundles the packages' sources instead of their builds; esbuild carries an alias over to
 * subpaths, so map a package with subpath imports to its source folder.
 */
export async function bundlePage(
  entry: string,
  alias: Readonly<Record<string, string>> = {},
): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    alias: { ...alias },
  });
  const output = result.outputFiles[0];
  if (output === undefined) throw new Error('esbuild produced no output');
  return output.text;
}

/**
 * Like `bundlePage`, with code splitting: a dynamic import becomes its own chunk, loaded only when the page runs it,
 * and the `external` modules (e.g. `node:*`) stay imports of the chunks that use them. This is how an app bundler
 * treats a package whose Node-only code sits behind a dynamic import (@tokenrelay/msw's `.listen()`). Returns the
 * files to serve at the page's origin root: `/<entry name>.js` and its chunks.
 */
export async function bundlePageChunks(
  entry: string,
  options: { readonly alias?: Readonly<Record<string, string>>; readonly external?: readonly string[] } = {},
): Promise<Record<string, StaticFile>> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: '/',
    write: false,
    logLevel: 'silent',
    alias: { ...options.alias },
    external: [...(options.external ?? [])],
  });
  return Object.fromEntries(
    result.outputFiles.map((file) => [
      file.path,
      { body: file.text, contentType: 'text/javascript; charset=utf-8' },
    ]),
  );
}
