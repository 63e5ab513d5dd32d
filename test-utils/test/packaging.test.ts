/**
 * The packages as users get them: each one packed (`pnpm pack`, as published), installed with npm into a fresh
 * project outside the workspace (the tarballs, plus the peers from the npm registry), and type-checked from an ESM
 * consumer (`.mts`) and a CommonJS consumer (`.cts`, `import x = require(...)`) under `module: nodenext`. A CommonJS
 * TypeScript backend gets axios's CommonJS declarations; the adapter must accept that instance.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGES = ['core', 'axios', 'got', 'ky', 'fetch'] as const;

const run = (command: string, args: string[], cwd: string): string => {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 100_000,
    });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`);
  }
};

const ESM = `import { createTokenManager, isTokenRelayError, type TokenManager } from '@tokenrelay/core';
import { createOriginPolicy } from '@tokenrelay/core/adapter-kit';
import { attachTokenRefresh } from '@tokenrelay/axios';
import { tokenRefresh as gotRefresh } from '@tokenrelay/got';
import { tokenRefresh as kyRefresh } from '@tokenrelay/ky';
import { withTokenRefresh } from '@tokenrelay/fetch';
import axios from 'axios';
import got from 'got';
import ky from 'ky';

const manager: TokenManager = createTokenManager({ refresh: async () => ({ accessToken: 'a', expiresIn: 60 }) });
const detach: () => void = attachTokenRefresh(axios.create({ baseURL: 'https://api.test' }), manager);
attachTokenRefresh(axios.create({ baseURL: 'https://api.test' }), (config) => (config.url === '/x' ? manager : manager));
void axios.get('https://api.test/health', { tokenRelay: false });
got.extend({ prefixUrl: 'https://api.test' }, gotRefresh(manager));
ky.create({ baseUrl: 'https://api.test' }).extend(kyRefresh(manager));
const api = withTokenRefresh(fetch, manager, { origins: 'https://api.test' });
void api('https://api.test/health', { tokenRelay: false });
export const checks = [detach, isTokenRelayError, createOriginPolicy];
`;

const CJS = `import core = require('@tokenrelay/core');
import kit = require('@tokenrelay/core/adapter-kit');
import relayAxios = require('@tokenrelay/axios');
import relayGot = require('@tokenrelay/got');
import relayKy = require('@tokenrelay/ky');
import relayFetch = require('@tokenrelay/fetch');
import axios = require('axios');
import got = require('got');
import ky = require('ky');

const manager: core.TokenManager = core.createTokenManager({ refresh: async () => ({ accessToken: 'a', expiresIn: 60 }) });
const detach: () => void = relayAxios.attachTokenRefresh(axios.create({ baseURL: 'https://api.test' }), manager);
relayAxios.attachTokenRefresh(axios.create({ baseURL: 'https://api.test' }), (config) => (config.url === '/x' ? manager : manager));
// Known limit: the \`tokenRelay\` augmentation reaches axios's ESM declarations only (the adapter's are ESM).
// @ts-expect-error CommonJS consumers spell the opt-out with a cast until the adapter ships CommonJS declarations
void axios.get('https://api.test/health', { tokenRelay: false });
got.default.extend({ prefixUrl: 'https://api.test' }, relayGot.tokenRefresh(manager));
ky.default.create({ baseUrl: 'https://api.test' }).extend(relayKy.tokenRefresh(manager));
relayFetch.withTokenRefresh(fetch, manager, { origins: 'https://api.test' });
export = [detach, kit.createOriginPolicy];
`;

describe('packed packages, installed with npm, type-checked from ESM and CommonJS consumers', () => {
  const work = mkdtempSync(join(tmpdir(), 'tokenrelay-packaging-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('every package type-checks for an ESM and a CommonJS TypeScript consumer', () => {
    for (const name of PACKAGES) {
      if (!existsSync(join(root, 'packages', name, 'dist', 'index.d.ts'))) {
        throw new Error(`packages/${name} is not built: run \`pnpm run build\` first`);
      }
    }
    const tarballs = join(work, 'tarballs');
    mkdirSync(tarballs);
    for (const name of PACKAGES)
      run('pnpm', ['pack', '--pack-destination', tarballs], join(root, 'packages', name));
    const files = readdirSync(tarballs);
    const tarball = (name: string): string => {
      const file = files.find((f) => f.startsWith(`tokenrelay-${name}-`) && f.endsWith('.tgz'));
      if (file === undefined) throw new Error(`no tarball for ${name} in ${files.join(', ')}`);
      return `file:${join(tarballs, file)}`;
    };
    const project = join(work, 'consumer');
    mkdirSync(project);
    const dependencies: Record<string, string> = { axios: '^1.7.0', got: '^16.1.0', ky: '^2.1.0' };
    for (const name of PACKAGES) dependencies[`@tokenrelay/${name}`] = tarball(name);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({
        name: 'consumer',
        private: true,
        dependencies,
        devDependencies: { typescript: '5.9.3', '@types/node': '^24.0.0' },
      }),
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          lib: ['es2023', 'dom'],
        },
        files: ['esm.mts', 'cjs.cts'],
      }),
    );
    writeFileSync(join(project, 'esm.mts'), ESM);
    writeFileSync(join(project, 'cjs.cts'), CJS);
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], project);
    const output = (() => {
      try {
        return run(join(project, 'node_modules', '.bin', 'tsc'), ['-p', '.', '--pretty', 'false'], project);
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(output.split('\n').filter((line) => line.includes('error TS'))).toEqual([]);
  }, 120_000);
});
