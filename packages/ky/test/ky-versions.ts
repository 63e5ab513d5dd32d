/**
 * The ky versions the tests run against: the oldest and the newest release the peer range (`^2.0.0`) admits.
 * Names come from the installed package.json, so a test name never claims a version that is not the one running.
 *
 * The adapter imports `ky` itself (for `ky.retry()`), and ky only honours a retry marker made by its own copy, so a
 * version is tested by making `ky` resolve to it for the whole test file (`vi.mock('ky', ...)`), as a user's
 * install would.
 */
import { readFileSync } from 'node:fs';
import type { KyInstance } from 'ky';

export type KyAlias = 'ky' | 'ky-2-oldest';

export interface KyVersion {
  /** e.g. `ky@2.1.0` */
  readonly name: string;
  readonly ky: KyInstance;
}

export function kyVersion(alias: KyAlias, ky: KyInstance): KyVersion {
  const manifest = JSON.parse(
    readFileSync(new URL(`../node_modules/${alias}/package.json`, import.meta.url), 'utf8'),
  ) as { name: string; version: string };
  return { name: `${manifest.name}@${manifest.version}`, ky };
}
