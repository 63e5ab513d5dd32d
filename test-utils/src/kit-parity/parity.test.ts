import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createOAuthServer, type ListeningOAuthServer, type OAuthServer } from '@tokenrelay/msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthServer, startAuthServer } from '../real-server/auth-server.ts';
import {
  EXPECTED,
  type LoginTokens,
  runScenario,
  SCENARIOS,
  type ScenarioName,
  type ScenarioTarget,
} from './scenarios.ts';

/**
 * The differential test: the same scenarios (plain fetch, the same client code) against oidc-provider and against
 * @tokenrelay/msw through each of its transports must give the same outcome vectors. The kit is configured like the
 * fixture: client_secret_basic with a secret full of characters form-encoding changes, rotation, reuse detection.
 */

const CLIENT = { clientId: 'tokenrelay:test-client', clientSecret: 's3cr3t:with/special+chars%&=?# ~' };
const REFRESH_TTL_S = 1;

type Transport =
  | 'oidc-provider'
  | 'kit through msw setupServer'
  | 'kit .listen() with a child-process client';
const results = new Map<Transport, Map<ScenarioName, string[]>>();
const record = (transport: Transport, scenario: ScenarioName, outcomes: string[]): void => {
  const map = results.get(transport) ?? new Map<ScenarioName, string[]>();
  map.set(scenario, outcomes);
  results.set(transport, map);
};

/** One server for the expiry scenario (short refresh tokens), one for the rest. */
interface Setup {
  target(scenario: ScenarioName): ScenarioTarget;
  login(scenario: ScenarioName): Promise<LoginTokens>;
}

const kit = (refreshTokenTtl: number, issuer?: string): OAuthServer =>
  createOAuthServer({
    clients: [CLIENT],
    accessTokenTtl: 30_000,
    refreshTokenTtl,
    ...(issuer === undefined ? {} : { issuer, apiOrigin: issuer.replace('auth', 'api') }),
  });

const kitTarget = (server: OAuthServer | ListeningOAuthServer): ScenarioTarget => ({
  tokenEndpoint: server.tokenEndpoint,
  revocationEndpoint: server.revocationEndpoint,
  resourceUrl: server.apiUrl('/me'),
  ...CLIENT,
});

const isExpiry = (scenario: ScenarioName): boolean => scenario === 'expired refresh token';

describe('oidc-provider', () => {
  let long: AuthServer;
  let short: AuthServer;
  const setup: Setup = {
    target: (scenario) => {
      const server = isExpiry(scenario) ? short : long;
      return {
        tokenEndpoint: server.tokenEndpoint,
        revocationEndpoint: server.revocationEndpoint,
        resourceUrl: server.userinfoUrl,
        ...server.client,
      };
    },
    login: (scenario) => (isExpiry(scenario) ? short : long).login(),
  };
  beforeAll(async () => {
    long = await startAuthServer({ ...CLIENT, accessTokenTtl: 30, refreshTokenTtl: 600 });
    short = await startAuthServer({ ...CLIENT, accessTokenTtl: 1, refreshTokenTtl: REFRESH_TTL_S });
  });
  afterAll(async () => {
    await Promise.all([long?.close(), short?.close()]);
  });
  it.each(SCENARIOS)('%s', async (scenario) => {
    const outcomes = await runScenario(
      scenario,
      setup.target(scenario),
      await setup.login(scenario),
      REFRESH_TTL_S * 1000,
    );
    record('oidc-provider', scenario, outcomes);
    expect(outcomes).toEqual(EXPECTED[scenario]);
  });
});

describe('kit through msw setupServer', () => {
  const long = kit(600_000, 'https://auth.example.test');
  const short = kit(REFRESH_TTL_S * 1000, 'https://auth-short.example.test');
  const server = setupServer(...long.handlers, ...short.handlers);
  beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
  afterAll(() => server.close());
  it.each(SCENARIOS)('%s', async (scenario) => {
    const emu = isExpiry(scenario) ? short : long;
    const outcomes = await runScenario(scenario, kitTarget(emu), emu.issueTokens(), REFRESH_TTL_S * 1000);
    record('kit through msw setupServer', scenario, outcomes);
    expect(outcomes).toEqual(EXPECTED[scenario]);
  });
});

describe('kit .listen() with a child-process client', () => {
  const run = promisify(execFile);
  const client = fileURLToPath(new URL('./scenario-client.ts', import.meta.url));
  const long = kit(600_000);
  const short = kit(REFRESH_TTL_S * 1000);
  let live: { long: ListeningOAuthServer; short: ListeningOAuthServer };
  beforeAll(async () => {
    live = { long: await long.listen(), short: await short.listen() };
  });
  afterAll(async () => {
    await Promise.all([live?.long.close(), live?.short.close()]);
  });
  it.each(SCENARIOS)('%s', async (scenario) => {
    const [emu, listener] = isExpiry(scenario) ? [short, live.short] : [long, live.long];
    const input = {
      scenario,
      target: kitTarget(listener),
      tokens: emu.issueTokens(),
      refreshTokenTtlMs: REFRESH_TTL_S * 1000,
    };
    const { stdout } = await run(process.execPath, [client, JSON.stringify(input)], { timeout: 15_000 });
    const outcomes = JSON.parse(stdout) as string[];
    record('kit .listen() with a child-process client', scenario, outcomes);
    expect(outcomes).toEqual(EXPECTED[scenario]);
    // The state the child changed is the state this process reads.
    expect(emu.counters.tokenCalls).toBeGreaterThan(0);
  });
});

describe('differential', () => {
  it('gives the same outcome vector for every scenario from oidc-provider and from each transport of the kit', () => {
    const reference = results.get('oidc-provider');
    expect(reference?.size).toBe(SCENARIOS.length);
    for (const transport of [
      'kit through msw setupServer',
      'kit .listen() with a child-process client',
    ] as const) {
      expect(results.get(transport), transport).toEqual(reference);
    }
  });
});
