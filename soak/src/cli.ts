/**
 * `pnpm run soak` (after `pnpm run build`; scripts/soak.sh does both): the soak for SOAK_MINUTES minutes (default
 * 30), printing progress, then the table and the checks; exit code 1 when a check fails. SOAK_CLIENTS (per
 * adapter, default 2) and SOAK_CONCURRENCY (per client, default 4) size the load.
 */
import { formatSoakReport, soakChecks } from './report.ts';
import { runSoak } from './runner.ts';

const numberFrom = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!(Number.isFinite(value) && value > 0))
    throw new Error(`${name} must be a positive number, not "${raw}"`);
  return value;
};

const minutes = numberFrom('SOAK_MINUTES', 30);
const clients = Math.round(numberFrom('SOAK_CLIENTS', 2));
const concurrency = Math.round(numberFrom('SOAK_CONCURRENCY', 4));
console.log(
  `soak: ${minutes} min, ${clients} clients per adapter, ${concurrency} requests in flight per client`,
);
const report = await runSoak({
  durationMs: minutes * 60_000,
  clients,
  concurrency,
  tokenTtlSeconds: 1,
  onProgress: (line) => console.log(line),
});
const checks = soakChecks(report);
console.log(`\n${formatSoakReport(report, checks)}`);
process.exitCode = checks.every((check) => check.ok) ? 0 : 1;
