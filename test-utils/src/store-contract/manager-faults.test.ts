/**
 * A real token manager over a store with faults injected, against the emulated authorization server (rotation and
 * reuse detection on): whatever the store does (a read that fails once, reads that hang, a write that hangs, a
 * write that lands late, corrupt data), the user's stored refresh token survives: the manager never clears the
 * store, never writes older tokens over newer ones, and the server never sees a reused refresh token.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Clock,
  createTokenManager,
  isTokenRelayError,
  memoryStore,
  oauth2Refresh,
  type RefreshFunction,
  systemClock,
  type TokenManager,
  type TokenManagerOptions,
  type TokenStore,
} from '@tokenrelay/core';
import { fileStore } from '@tokenrelay/core/file-store';
import { createFakeClock } from '@tokenrelay/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOAuthServer, type OAuthServer } from '../oauth-server.ts';
import { type FaultyStore, faultyStore, type StoreFaults } from './faulty-store.ts';
import { delay, type Settled, settle } from './support.ts';

/**
 * How time passes in a test. A memory store runs on a fake clock (60 s tokens); a file store does real I/O, which a
 * fake clock would outrun, so it runs on the real clock with short tokens and a short store timeout.
 */
interface Time {
  readonly clock: Clock;
  readonly ttlMs: number;
  readonly manager: Partial<TokenManagerOptions>;
  /** Lets `ms` pass (fake: advances the clock; real: sleeps). */
  pass(ms: number): Promise<void>;
  /** Settles `promise` while time passes, `ms` at most. */
  settleWithin<T>(ms: number, promise: Promise<T>): Promise<Settled<T>>;
}

function fakeTime(): Time {
  const clock = createFakeClock();
  return {
    clock,
    ttlMs: 60_000,
    manager: { queue: { waitTimeoutMs: 5_000 } },
    pass: (ms) => clock.advance(ms),
    async settleWithin(ms, promise) {
      const result = settle(promise);
      let done = false;
      void result.then(() => {
        done = true;
      });
      for (let waited = 0; waited < ms && !done; waited += 500) await clock.advance(500);
      expect(done, `still pending after ${ms} ms`).toBe(true);
      return result;
    },
  };
}

function realTime(): Time {
  return {
    clock: systemClock(),
    ttlMs: 1_000,
    manager: { queue: { waitTimeoutMs: 3_000 }, storeTimeoutMs: 1_500 },
    pass: (ms) => delay(ms),
    async settleWithin(ms, promise) {
      // Everything here settles within the store and wait timeouts (3 s); 10 s at most, whatever was asked.
      const timeout = delay(Math.min(ms, 10_000)).then(() => 'pending' as const);
      const result = await Promise.race([settle(promise), timeout]);
      expect(result, `still pending after ${ms} ms`).not.toBe('pending');
      return result as Settled<Awaited<typeof promise>>;
    },
  };
}

interface Rig {
  readonly time: Time;
  readonly emu: OAuthServer;
  readonly real: TokenStore;
  readonly faulty: FaultyStore;
  readonly manager: TokenManager;
  readonly refresh: RefreshFunction;
  /** The stored refresh token is there, was never cleared, and the server still accepts it. */
  expectRefreshTokenSurvived(): Promise<void>;
}

interface Kind {
  readonly name: string;
  open(dir: string): TokenStore;
  time(): Time;
}

const kinds: Kind[] = [
  { name: 'memoryStore', open: () => memoryStore(), time: fakeTime },
  { name: 'fileStore', open: (dir) => fileStore(join(dir, 'tokens.json')), time: realTime },
];

let dir: string;
const managers: TokenManager[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tokenrelay-manager-faults-'));
});

afterEach(async () => {
  for (const manager of managers.splice(0)) manager.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** A signed-in user whose tokens are in the store (expired when `expired`), and a manager that reads them. */
async function rig(
  kind: Kind,
  faults: StoreFaults,
  expired = false,
  version: number | undefined = 1,
): Promise<Rig> {
  const time = kind.time();
  const { clock } = time;
  const emu = createOAuthServer({ clock, accessTokenTtlMs: time.ttlMs });
  const real = kind.open(dir);
  // As a sign-in through `manager.setTokens()` leaves them: version 1 (undefined: a file from before versions).
  await real.set({ ...emu.tokenSet(clock), version });
  if (expired) await time.pass(time.ttlMs + 100);
  const refresh = oauth2Refresh({
    tokenEndpoint: emu.tokenEndpoint,
    clientId: emu.clientId,
    clientSecret: emu.clientSecret,
    fetch: emu.fetch,
  });
  const faulty = faultyStore(real, faults);
  const manager = createTokenManager({
    store: faulty.store,
    refresh,
    clock,
    proactive: false,
    ...time.manager,
  });
  managers.push(manager);
  return {
    time,
    emu,
    real,
    faulty,
    manager,
    refresh,
    async expectRefreshTokenSurvived() {
      expect(faulty.calls.clear, 'the manager cleared the store').toBe(0);
      expect(emu.counters.reuseDetections, 'the server saw a reused refresh token').toBe(0);
      const stored = await real.get();
      expect(stored?.refreshToken, 'no refresh token left in the store').toBeTypeOf('string');
      manager.dispose();
      // The server still takes it: the user is still signed in.
      const next = await refresh({
        tokens: stored,
        refreshToken: stored?.refreshToken,
        signal: new AbortController().signal,
        now: () => clock.now(),
      });
      expect(next.accessToken).toBeTypeOf('string');
      expect(emu.counters.reuseDetections).toBe(0);
    },
  };
}

const notReauth = (result: { ok: boolean; error?: unknown }): void => {
  if (!result.ok) {
    expect(isTokenRelayError(result.error), 'a typed error').toBe(true);
    expect(isTokenRelayError(result.error, 'REAUTH_REQUIRED'), 'the user was logged out').toBe(false);
  }
};

describe.each(kinds)('a manager over a faulty $name', (kind) => {
  it('get rejects once: a typed error or a retry, never "no tokens"; the next request works', async () => {
    const { time, faulty, manager, expectRefreshTokenSurvived } = await rig(kind, { getRejectsOnce: true });
    const first = await time.settleWithin(10_000, manager.getAccessToken());
    notReauth(first);
    if (!first.ok) expect(isTokenRelayError(first.error, 'STORE')).toBe(true);
    await expect(manager.getAccessToken()).resolves.toMatchObject({ type: 'Bearer' });
    expect(manager.state).not.toBe('reauth-required');
    expect(faulty.calls.get).toBeGreaterThanOrEqual(2);
    await expectRefreshTokenSurvived();
  });

  it("get hangs: requests end by their signal or the manager's timeouts; after the store recovers, requests work", async () => {
    const { time, faulty, manager, expectRefreshTokenSurvived } = await rig(kind, { getHangs: true });
    const reason = new Error('request cancelled');
    const controller = new AbortController();
    const cancelled = manager.getAccessToken({ signal: controller.signal });
    cancelled.catch(() => undefined);
    // Well inside the store timeout, even on a loaded machine.
    await time.pass(50);
    controller.abort(reason);
    const byTimeout = manager.getAccessToken();
    expect(await time.settleWithin(1_000, cancelled)).toEqual({ ok: false, error: reason });
    const timedOut = await time.settleWithin(60_000, byTimeout);
    expect(timedOut.ok).toBe(false);
    notReauth(timedOut);
    faulty.heal();
    const healed = await time.settleWithin(60_000, manager.getAccessToken());
    expect(healed).toMatchObject({ ok: true });
    await expectRefreshTokenSurvived();
  });

  it('set hangs once: the refresh does not wedge the manager; later refreshes reach the store', async () => {
    const { time, emu, faulty, manager, real, expectRefreshTokenSurvived } = await rig(
      kind,
      { setHangsOnce: true },
      true,
    );
    const first = await time.settleWithin(60_000, manager.getAccessToken());
    notReauth(first);
    expect(faulty.hanging).toBe(1);
    const later = await time.settleWithin(60_000, manager.getAccessToken());
    expect(later).toMatchObject({ ok: true });
    expect(manager.state).not.toBe('refreshing');
    // The next expiry: a refresh whose write lands.
    await time.pass(time.ttlMs + 100);
    const next = await time.settleWithin(60_000, manager.getAccessToken());
    expect(next).toMatchObject({ ok: true });
    expect((await real.get())?.accessToken).toBe(next.ok ? next.value.token : undefined);
    expect(emu.counters.reuseDetections).toBe(0);
    await expectRefreshTokenSurvived();
  });

  it('set completes late: the late write does not replace the newer tokens written since', async () => {
    const { time, faulty, manager, real, expectRefreshTokenSurvived } = await rig(
      kind,
      { setLate: true },
      true,
    );
    const first = await time.settleWithin(60_000, manager.getAccessToken());
    notReauth(first);
    await time.pass(time.ttlMs + 100);
    const second = await time.settleWithin(60_000, manager.getAccessToken());
    expect(second).toMatchObject({ ok: true });
    const newer = await real.get();
    expect(newer?.accessToken).toBe(second.ok ? second.value.token : undefined);
    await faulty.releaseLate();
    await expect(real.get()).resolves.toEqual(newer);
    await expectRefreshTokenSurvived();
  });

  it('corrupt data: a typed error, no CR/LF token handed out, no clear; after the store recovers, requests work', async () => {
    const { time, faulty, manager, expectRefreshTokenSurvived } = await rig(kind, { corrupt: true });
    const first = await time.settleWithin(10_000, manager.getAccessToken());
    expect(first.ok ? first.value.token : 'refused').toBe('refused');
    notReauth(first);
    faulty.heal();
    const healed = await time.settleWithin(60_000, manager.getAccessToken());
    expect(healed).toMatchObject({ ok: true });
    expect(healed.ok ? healed.value.token : '').not.toMatch(/[\r\n]/);
    await expectRefreshTokenSurvived();
  });
});

describe('a manager over a fileStore written before versions (unversioned tokens)', () => {
  it('a write that hung leaves older unversioned tokens in the file: the next refresh does not adopt them', async () => {
    const kind = kinds[1] as Kind;
    const { time, emu, manager, real, expectRefreshTokenSurvived } = await rig(
      kind,
      { setHangsOnce: true },
      true,
      undefined,
    );
    await time.settleWithin(10_000, manager.getAccessToken());
    await time.pass(time.ttlMs + 100);
    const next = await time.settleWithin(10_000, manager.getAccessToken());
    expect(next).toMatchObject({ ok: true });
    expect(emu.counters.reuseDetections).toBe(0);
    expect((await real.get())?.accessToken).toBe(next.ok ? next.value.token : undefined);
    await expectRefreshTokenSurvived();
  });
});

describe('a manager over a fileStore whose file is corrupt', () => {
  it('reports a StoreError naming the file, never clears, and the file stays for the user to inspect', async () => {
    const path = join(dir, 'tokens.json');
    await writeFile(path, '{"accessToken":"at-secret","refreshToken":"rt-secret","expiresAt":"soon"}');
    const time = realTime();
    const { clock } = time;
    const emu = createOAuthServer({ clock });
    const faulty = faultyStore(fileStore(path), {});
    const manager = createTokenManager({
      store: faulty.store,
      clock,
      proactive: false,
      refresh: oauth2Refresh({
        tokenEndpoint: emu.tokenEndpoint,
        clientId: emu.clientId,
        clientSecret: emu.clientSecret,
        fetch: emu.fetch,
      }),
    });
    managers.push(manager);
    const first = await time.settleWithin(10_000, manager.getAccessToken());
    expect(first.ok).toBe(false);
    // The manager's StoreError, or the store's own one it keeps as the cause, names the file.
    const error = first.ok ? undefined : (first.error as Error);
    expect(`${error?.message} / ${(error?.cause as Error | undefined)?.message}`).toContain(path);
    expect(JSON.stringify(error)).not.toContain('secret');
    expect(isTokenRelayError(first.ok ? undefined : first.error, 'STORE')).toBe(true);
    expect(faulty.calls.clear).toBe(0);
    expect(emu.counters.tokenCalls).toBe(0);
    await expect(readdir(dir)).resolves.toContain('tokens.json');
  });
});
