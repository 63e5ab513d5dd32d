/**
 * One public vocabulary: the root export is what an application uses; what adapter authors need is behind
 * `@tokenrelay/core/adapter-kit`, where every adapter imports it from.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as kit from './adapter-kit.ts';
import * as root from './index.ts';

const KIT_ONLY = [
  'adapterSettings',
  'authorizationValue',
  'createOriginPolicy',
  'defaultShouldRefresh',
  'headersToDrop',
  'redactError',
  'managerFor',
  'isConsumedByFirstSend',
  'tokenFor',
  'freshToken',
] as const;

describe('exports', () => {
  it('the root has no adapter-kit internals; the kit has them all', () => {
    for (const name of KIT_ONLY) {
      expect(name in root, name).toBe(false);
      expect(typeof (kit as Record<string, unknown>)[name], name).toBe('function');
    }
    expect(typeof root.createTokenManager).toBe('function');
  });

  it('every adapter imports the kit from the subpath, never a rule of its own from the root', () => {
    const adapters = new URL('../../', import.meta.url);
    for (const adapter of ['axios', 'got', 'ky', 'fetch']) {
      const dir = new URL(`${adapter}/src/`, adapters);
      const sources = readdirSync(dir)
        .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
        .map((file) => readFileSync(new URL(file, dir), 'utf8'))
        .join('\n');
      expect(sources, adapter).toContain("from '@tokenrelay/core/adapter-kit'");
      for (const name of KIT_ONLY) {
        const fromRoot = new RegExp(`import (type )?\\{[^}]*\\b${name}\\b[^}]*\\} from '@tokenrelay/core';`);
        expect(fromRoot.test(sources), `${adapter}: ${name}`).toBe(false);
      }
    }
  });
});
