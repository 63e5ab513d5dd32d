/**
 * The soak: load through all four adapters at once, for a long time, against the OAuth2 emulation on 127.0.0.1
 * (a server process of its own) with short-lived access tokens and refresh-token rotation with reuse detection.
 * Every client has its own manager and grant; half of them refresh on a timer (proactive), half only when a
 * request finds the token due, so that requests also wait in the queue. See `report.ts` for what must hold.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createTokenManager, oauth2Refresh, type TokenManager } from '@tokenrelay/core';
import { ADAPTERS, type AdapterName, loadClientFactories, type SoakClient } from './clients.ts';
import { createLedger, type Ledger, type LedgerTotals } from './ledger.ts';
import { findGc, type HeapGrowth, type HeapSample, heapGrowth, sampleHeap } from './memory.ts';
import type { ServerCounters } from './protocol.ts';
import { startSoakServer } from './server.ts';

export interface SoakOptions {
  readonly durationMs: number;
  /** Clients per adapter, each with its own manager and grant. Default 2. */
  readonly clients?: number;
  /** Requests in flight per client. Default 4. */
  readonly concurrency?: number;
  /** Access-token lifetime. Default 1. */
  readonly tokenTtlSeconds?: number;
  /** Default: a tenth of the run, between 1 and 5 s. */
  readonly sampleEveryMs?: number;
  /** A request that takes longer fails. Default 10 s. */
  readonly requestTimeoutMs?: number;
  /** A line now and then while the run goes on. */
  readonly onProgress?: (line: string) => void;
}

export interface ClientReport extends LedgerTotals {
  readonly adapter: AdapterName;
  readonly index: number;
  readonly proactive: boolean;
  readonly requests: number;
  readonly failures: number;
  /** Failures by kind: `HTTP <status>` or the error's name/code. */
  readonly failureKinds: Readonly<Record<string, number>>;
  readonly maxLatencyMs: number;
  /** Requests waiting for a refresh once the load stopped. */
  readonly waitingAtEnd: number;
}

export interface SoakReport {
  readonly plannedMs: number;
  readonly elapsedMs: number;
  readonly tokenTtlSeconds: number;
  readonly concurrency: number;
  readonly clients: readonly ClientReport[];
  readonly server: ServerCounters & { readonly heapUsed: number };
  readonly heap: HeapGrowth & {
    /** Taken every `sampleEveryMs` under load. */
    readonly samples: readonly HeapSample[];
    readonly warmupMs: number;
    /** Once the load stopped (every request settled). */
    readonly afterLoad: number;
  };
}

/** The core's default skew, given explicitly so that the ledger knows it (clamped to half a 1 s token's life). */
const SKEW_MS = 60_000;
/** A worker stops after this many failures (a dead server must not make it spin until the deadline). */
const MAX_FAILURES_PER_WORKER = 1_000;

interface Subject {
  readonly adapter: AdapterName;
  readonly index: number;
  readonly proactive: boolean;
  readonly manager: TokenManager;
  readonly client: SoakClient;
  readonly ledger: Ledger;
  requests: number;
  failures: number;
  maxLatencyMs: number;
  readonly failureKinds: Record<string, number>;
}

const kindOf = (error: unknown): string => {
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
  return [name, code].filter((part) => typeof part === 'string').join(' ') || 'unknown error';
};

async function work(
  subject: Subject,
  deadline: number,
  maxRequests: number,
  timeoutMs: number,
): Promise<void> {
  let failures = 0;
  for (let n = 0; n < maxRequests && Date.now() < deadline && failures < MAX_FAILURES_PER_WORKER; n += 1) {
    const started = Date.now();
    let kind: string | undefined;
    try {
      const signal = AbortSignal.timeout(timeoutMs);
      const request = n % 5 === 4 ? { path: 'things', json: { n }, signal } : { path: `items/${n}`, signal };
      const status = await subject.client.send(request);
      if (status !== 200) kind = `HTTP ${status}`;
    } catch (error) {
      kind = kindOf(error);
    }
    subject.requests += 1;
    subject.maxLatencyMs = Math.max(subject.maxLatencyMs, Date.now() - started);
    if (kind !== undefined) {
      failures += 1;
      subject.failures += 1;
      subject.failureKinds[kind] = (subject.failureKinds[kind] ?? 0) + 1;
    }
  }
}

/** Waits (5 s at most) until no manager is refreshing, so that counts read right after agree with the server's. */
async function quiet(managers: readonly TokenManager[]): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (managers.some((manager) => manager.state === 'refreshing') && Date.now() < deadline) await sleep(5);
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const {
    durationMs,
    clients = 2,
    concurrency = 4,
    tokenTtlSeconds = 1,
    requestTimeoutMs = 10_000,
  } = options;
  const sampleEveryMs = options.sampleEveryMs ?? Math.min(5_000, Math.max(1_000, durationMs / 10));
  const warmupMs = Math.min(60_000, durationMs / 4);
  const progress = options.onProgress ?? (() => undefined);
  const server = await startSoakServer(tokenTtlSeconds * 1000);
  const subjects: Subject[] = [];
  let sampler: ReturnType<typeof setInterval> | undefined;
  try {
    const factories = await loadClientFactories();
    const { apiOrigin, tokenEndpoint, clientId, clientSecret } = server.info;
    const refresh = oauth2Refresh({ tokenEndpoint, clientId, clientSecret });
    for (const adapter of ADAPTERS) {
      for (let index = 0; index < clients; index += 1) {
        const tokens = await server.grant();
        const proactive = index % 2 === 0;
        const manager = createTokenManager({ tokens, refresh, proactive, skewMs: SKEW_MS });
        const ledger = createLedger(manager, tokens, SKEW_MS);
        const client = factories[adapter]({ manager, apiOrigin, concurrency });
        const counts = { requests: 0, failures: 0, maxLatencyMs: 0, failureKinds: {} };
        subjects.push({ adapter, index, proactive, manager, client, ledger, ...counts });
      }
    }

    const gc = findGc();
    const started = Date.now();
    const deadline = started + durationMs;
    const samples: HeapSample[] = [sampleHeap(gc, 0)];
    sampler = setInterval(() => {
      const sample = sampleHeap(gc, Date.now() - started);
      samples.push(sample);
      const requests = subjects.reduce((sum, s) => sum + s.requests, 0);
      const failures = subjects.reduce((sum, s) => sum + s.failures, 0);
      const mb = (sample.heapUsed / 2 ** 20).toFixed(1);
      progress(
        `${Math.round(sample.atMs / 1000)} s: ${requests} requests, ${failures} failures, heap ${mb} MB`,
      );
    }, sampleEveryMs);
    // No worker can send more than one request per 0.1 ms for the whole run.
    const maxRequests = Math.ceil(durationMs * 10);
    await Promise.all(
      subjects.flatMap((subject) =>
        Array.from({ length: concurrency }, () => work(subject, deadline, maxRequests, requestTimeoutMs)),
      ),
    );
    clearInterval(sampler);
    const elapsedMs = Date.now() - started;
    const afterLoad = sampleHeap(gc, elapsedMs).heapUsed;

    await quiet(subjects.map((s) => s.manager));
    // In one turn: nothing refreshes between reading the managers and disposing of them.
    const end = Date.now();
    const reports: ClientReport[] = subjects.map((s) => ({
      adapter: s.adapter,
      index: s.index,
      proactive: s.proactive,
      requests: s.requests,
      failures: s.failures,
      failureKinds: s.failureKinds,
      maxLatencyMs: s.maxLatencyMs,
      waitingAtEnd: s.manager.waiting,
      ...s.ledger.totals(end),
    }));
    for (const subject of subjects) subject.manager.dispose();
    const { counters, heapUsed } = await server.counters();
    return {
      plannedMs: durationMs,
      elapsedMs,
      tokenTtlSeconds,
      concurrency,
      clients: reports,
      server: { ...counters, heapUsed },
      heap: { ...heapGrowth(samples, warmupMs, gc !== undefined), samples, warmupMs, afterLoad },
    };
  } finally {
    if (sampler !== undefined) clearInterval(sampler);
    for (const subject of subjects) {
      subject.manager.dispose();
      subject.client.close();
    }
    await server.close();
  }
}
