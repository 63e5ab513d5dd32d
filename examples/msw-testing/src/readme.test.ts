import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';

/** packages/msw/README.md shows these files in full: it must show them as they are. */
const files = [
  'axios-app.ts',
  'axios-app.test.ts',
  'got-script.ts',
  'got-script.test.ts',
  'ky-app.ts',
  'ky-app.test.ts',
  'fetch-app.ts',
  'fetch-app.test.ts',
  'naive-app.ts',
  'naive-app.test.ts',
];

it.each(files)('the @tokenrelay/msw README shows %s as it is', async (file) => {
  const readme = await readFile(new URL('../../../packages/msw/README.md', import.meta.url), 'utf8');
  const source = await readFile(new URL(`./${file}`, import.meta.url), 'utf8');
  expect(readme).toContain(`\`${file}\`:\n\n\`\`\`ts\n${source.trimEnd()}\n\`\`\``);
});
