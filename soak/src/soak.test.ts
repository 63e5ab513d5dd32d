import { expect, it } from 'vitest';
import { formatSoakReport, soakChecks } from './report.ts';
import { runSoak } from './runner.ts';

// The short version of `pnpm run soak` (scripts/soak.sh, 30 minutes by default), with the same checks.
it('soak: 20 s of load through axios, got, ky and fetch with 1 s tokens', async () => {
  const report = await runSoak({ durationMs: 20_000, clients: 2, concurrency: 4, tokenTtlSeconds: 1 });
  const checks = soakChecks(report);
  const failed = checks.filter((check) => !check.ok);
  expect(failed, formatSoakReport(report, checks)).toEqual([]);
}, 60_000);
