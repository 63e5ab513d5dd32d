/**
 * `@tokenrelay/test-utils/vitest` (loads vitest, unlike the main entry, which plain-node examples import).
 * The msw OAuth2 emulation and a manager fixture for one adapter test file. Call once at the top of the file: it
 * registers the file's lifecycle hooks (msw started before, handlers, managers and emulation reset after each test).
 */

import type { RequestHandler } from 'msw';
import { afterAll, afterEach, beforeAll } from 'vitest';
import {
  createManagerFixture,
  type ManagerFixture,
  type MswServer,
  type OAuthServer,
  startMsw,
} from '../index.ts';

export interface Emulation {
  readonly fx: ManagerFixture;
  readonly emu: OAuthServer;
  /** Adds msw handlers for the current test (removed after it). */
  mswUse(...handlers: RequestHandler[]): void;
}

export function useEmulation(): Emulation {
  const fx = createManagerFixture();
  const { emu } = fx;
  let msw: MswServer | undefined;
  beforeAll(() => {
    msw = startMsw(emu);
  });
  afterEach(() => {
    msw?.server.resetHandlers();
    fx.disposeAll();
    emu.reset();
  });
  afterAll(() => msw?.close());
  return { fx, emu, mswUse: (...handlers) => msw?.server.use(...handlers) };
}
