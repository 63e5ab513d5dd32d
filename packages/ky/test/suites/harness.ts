/**
 * One emulation (msw, `onUnhandledFrame: 'error'`) per test file, reset after each test, and small readers of
 * what the API saw.
 */
import {
  createManagerFixture as createFixture,
  type ManagerFixture as Fixture,
  type MswServer,
  startMsw,
} from '@tokenrelay/test-utils';
import { afterAll, afterEach } from 'vitest';

export interface Harness extends Fixture {
  readonly msw: MswServer;
  /** The Authorization header of each request the API origin received, in order. */
  apiAuthorizations(): Array<string | undefined>;
  /** The status the API answered each request with, in order. */
  apiStatuses(): number[];
}

/** Call at the top level of a test file (it registers `afterEach`/`afterAll`). */
export function useHarness(): Harness {
  const fx = createFixture();
  const { emu } = fx;
  const msw = startMsw(emu);
  afterEach(() => {
    msw.server.resetHandlers();
    fx.disposeAll();
    emu.reset();
  });
  afterAll(() => msw.close());
  return {
    ...fx,
    msw,
    apiAuthorizations: () => emu.counters.requestsSeenBy(emu.apiOrigin).map((record) => record.authorization),
    apiStatuses: () => emu.counters.requestsSeenBy(emu.apiOrigin).map((record) => record.status),
  };
}

/** The rejection of `promise`, or a failure when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, got a result');
}
