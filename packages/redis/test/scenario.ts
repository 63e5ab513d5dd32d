/**
 * One multi-process scenario: an emulated authorization server (rotation and reuse detection on), a grant in
 * Redis whose access token has expired, worker processes, and rounds of concurrent requests.
 */
import { randomUUID } from 'node:crypto';
import { createRedisStores } from '@tokenrelay/redis';
import { createOAuthServer, type ListeningOAuthServer, type OAuthServer } from '@tokenrelay/test-utils';
import type { ClientKind } from './clients.ts';
import type { RoundReport, WorkerConfig, WorkerMode } from './fixtures/protocol.ts';
import { sleep, startWorker, type Worker } from './processes.ts';

export const TOKEN_TTL_MS = 1_000;

export interface Scenario {
  readonly emulation: OAuthServer;
  readonly listening: ListeningOAuthServer;
  readonly grant: string;
  spawn(
    count: number,
    options: { concurrency: number; mode?: WorkerMode; redisUrl?: string },
  ): Promise<Worker[]>;
  /** Every worker of `group` sends its requests at once; the reports, and the serials of the tokens used. */
  round(group: readonly Worker[]): Promise<RoundReport[]>;
  /** Distinct access tokens the requests of every round so far were sent with. */
  readonly tokensUsed: number;
  close(): Promise<void>;
}

export async function createScenario(
  kind: ClientKind,
  redisUrl: string,
  options: { leaseMs?: number; tokenTtlMs?: number } = {},
): Promise<Scenario> {
  const emulation = createOAuthServer({
    accessTokenTtlMs: options.tokenTtlMs ?? TOKEN_TTL_MS,
    requestLogLimit: 100,
  });
  const listening = await emulation.listen();
  const grant = randomUUID();
  const connected = await kind.connect(redisUrl);
  const stores = createRedisStores({ client: connected.client });
  await stores.store(grant).set({ ...emulation.tokenSet(), expiresAt: Date.now() - 1, version: 1 });
  stores.close();
  await connected.close();
  const base: Omit<WorkerConfig, 'concurrency' | 'mode'> = {
    client: kind.name,
    redisUrl,
    grant,
    tokenEndpoint: listening.tokenEndpoint,
    clientId: emulation.clientId,
    clientSecret: emulation.clientSecret,
    apiUrl: listening.apiUrl('/data'),
    leaseMs: options.leaseMs ?? 2_000,
  };
  const workers: Worker[] = [];
  const used = new Set<number>();
  return {
    emulation,
    listening,
    grant,
    async spawn(count, spawnOptions) {
      const config: WorkerConfig = {
        ...base,
        concurrency: spawnOptions.concurrency,
        mode: spawnOptions.mode ?? 'normal',
        redisUrl: spawnOptions.redisUrl ?? redisUrl,
      };
      const started = await Promise.all(Array.from({ length: count }, () => startWorker(config)));
      workers.push(...started);
      return started;
    },
    async round(group) {
      const reports = await Promise.all(group.map((worker) => worker.round()));
      for (const report of reports) {
        for (const serial of report.tokenSerials) used.add(serial);
        // The worker's own record of the tokens it sent agrees with the server's numbering.
        if (report.tokenIds.length !== report.tokenSerials.length) {
          throw new Error(
            `worker saw ${report.tokenIds.length} tokens, the API ${report.tokenSerials.length}`,
          );
        }
      }
      return reports;
    },
    get tokensUsed() {
      return used.size;
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.stop()));
      await listening.close();
    },
  };
}

/** Runs `rounds` rounds, each after the token of the one before has expired; a line per round for messages. */
export async function runRounds(
  scenario: Scenario,
  group: readonly Worker[],
  rounds: number,
  check: (reports: RoundReport[], log: string) => void,
): Promise<string[]> {
  const log: string[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const startedAt = Date.now();
    const callsBefore = scenario.emulation.counters.tokenCalls;
    const reports = await scenario.round(group);
    log.push(
      `round ${round}: ${Date.now() - startedAt} ms, ${scenario.emulation.counters.tokenCalls - callsBefore} token calls`,
    );
    check(reports, log.join('\n'));
    await sleep(TOKEN_TTL_MS + 150);
  }
  return log;
}
