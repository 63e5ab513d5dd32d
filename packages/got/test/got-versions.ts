/**
 * The got versions the tests run against: the oldest and newest release of each major that the peer range
 * (`peerDependencies.got` in package.json) admits, each installed under an npm alias. Names come from the installed
 * package.json, so a test name never claims a version that is not the one running.
 */
import { readFileSync } from 'node:fs';
import type { Got, HTTPError, RequestError } from 'got';
import * as gotNewest from 'got';
import * as got14 from 'got-14';
import * as got14Oldest from 'got-14-oldest';
import * as got15 from 'got-15';
import * as got15Oldest from 'got-15-oldest';
import * as got16Oldest from 'got-16-oldest';

export interface GotVersion {
  /** e.g. `got@16.1.0` */
  readonly name: string;
  /** Typed as the newest got: the hooks, `extend`, `stream` and errors the tests use are the same in each. */
  readonly got: Got;
  /** This version's own error classes (each install has its own, so `instanceof` needs the right one). */
  readonly RequestError: typeof RequestError;
  readonly HTTPError: typeof HTTPError;
}

interface GotModule {
  readonly default: unknown;
  readonly RequestError: unknown;
  readonly HTTPError: unknown;
}

const version = (alias: string, module: GotModule): GotVersion => {
  const manifest = JSON.parse(
    readFileSync(new URL(`../node_modules/${alias}/package.json`, import.meta.url), 'utf8'),
  ) as { name: string; version: string };
  return {
    name: `${manifest.name}@${manifest.version}`,
    got: module.default as Got,
    RequestError: module.RequestError as typeof RequestError,
    HTTPError: module.HTTPError as typeof HTTPError,
  };
};

export const gotVersions: readonly GotVersion[] = [
  version('got', gotNewest),
  version('got-16-oldest', got16Oldest),
  version('got-15', got15),
  version('got-15-oldest', got15Oldest),
  version('got-14', got14),
  version('got-14-oldest', got14Oldest),
];
