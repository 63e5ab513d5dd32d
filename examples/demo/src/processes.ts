/**
 * The demo's part 3: several processes share one grant. Through Redis (@tokenrelay/redis) one of them refreshes
 * per expiry and the others adopt its tokens; without it, each refreshes with the same refresh token and the
 * server, seeing a rotated refresh token come back, revokes the grant.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { redisStore } from '@tokenrelay/redis';
import type { AuthServer } from '@tokenrelay/test-utils/real-server';
import { startRedis } from '@tokenrelay/test-utils/redis';
import { createClient } from 'redis';
import { loginAs } from './grants.ts';
import type { ProcessReport, ProcessSettings } from './process-worker.ts';

const worker = fileURLToPath(new URL('./process-worker.ts', import.meta.url));

export interface ProcessesRun {
  readonly reports: readonly ProcessReport[];
  /** Refresh-token uses the server counted during the run. */
  readonly serverRefreshes: number;
  readonly revoked: number;
}

const runProcess = (settings: ProcessSettings): Promise<ProcessReport> =>
  new Promise((resolve, reject) => {
    const child = fork(worker, [JSON.stringify(settings)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), settings.durationMs + 20_000);
    child.once('message', (report: ProcessReport) => resolve(report));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`a demo process exited (${code}) before reporting`));
    });
  });

/** Runs `count` processes on one grant, with Redis or each on its own. */
export async function runProcesses(
  server: AuthServer,
  options: { count: number; durationMs: number; concurrency: number; mode: 'redis' | 'alone' },
): Promise<ProcessesRun> {
  const redis = options.mode === 'redis' ? await startRedis() : undefined;
  try {
    const grant = `processes-${options.mode}`;
    const tokens = await loginAs(server, `${grant}-user`);
    if (redis !== undefined) {
      const client = await createClient({ url: redis.url }).connect();
      const store = redisStore({ client, grant });
      await store.set({ ...tokens, version: 1 });
      store.close();
      client.destroy();
    }
    const before = server.events;
    const reports = await Promise.all(
      Array.from({ length: options.count }, () =>
        runProcess({
          mode: options.mode,
          redisUrl: redis?.url ?? '',
          grant,
          tokens: options.mode === 'alone' ? tokens : undefined,
          tokenEndpoint: server.tokenEndpoint,
          clientId: server.client.clientId,
          clientSecret: server.client.clientSecret,
          apiUrl: server.userinfoUrl,
          durationMs: options.durationMs,
          concurrency: options.concurrency,
        }),
      ),
    );
    const after = server.events;
    return {
      reports,
      serverRefreshes: after['refresh_token.consumed'] - before['refresh_token.consumed'],
      revoked: after['grant.revoked'] - before['grant.revoked'],
    };
  } finally {
    await redis?.stop();
  }
}

/** One line per process: `process N  requests  succeeded  failed  refreshes`. */
export function formatProcesses(run: ProcessesRun): string {
  const pad = (value: number | string, width: number): string => String(value).padStart(width);
  const n = (value: number): string => value.toLocaleString('en-US');
  const lines = [
    `${'process'.padEnd(10)}${pad('requests', 10)}${pad('succeeded', 11)}${pad('failed', 8)}${pad('refreshes', 11)}`,
  ];
  run.reports.forEach((report, index) => {
    lines.push(
      `${`process ${index + 1}`.padEnd(10)}${pad(n(report.requests), 10)}${pad(n(report.succeeded), 11)}${pad(n(report.failed), 8)}${pad(report.refreshes, 11)}`,
    );
  });
  return lines.join('\n');
}
