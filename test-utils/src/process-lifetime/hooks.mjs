// Module hooks for child processes started by tests: `@tokenrelay/<pkg>` resolves to the package's TypeScript
// sources (Node strips the types), as vitest's aliases do, so a child runs the code under test, not a stale build.
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const PACKAGES = new Set(['core', 'axios', 'got', 'ky', 'fetch']);

export async function resolve(specifier, context, next) {
  const match = /^@tokenrelay\/([a-z-]+)$/.exec(specifier);
  if (match && PACKAGES.has(match[1])) {
    return { url: pathToFileURL(`${root}packages/${match[1]}/src/index.ts`).href, shortCircuit: true };
  }
  return next(specifier, context);
}
