/**
 * The adapter conformance suite: the same scenarios against every adapter, over the msw OAuth2 emulation with
 * refresh-token rotation and reuse detection on. Call `runConformanceSuite(adapter)` at the top of a test file.
 */
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { type MswServer, startMsw } from '../msw-server.ts';
import { createSuiteContext } from './harness.ts';
import { kitScenarios } from './scenarios-kit.ts';
import { redactionScenarios } from './scenarios-redaction.ts';
import { refreshScenarios } from './scenarios-refresh.ts';
import { requestScenarios } from './scenarios-requests.ts';
import { securityScenarios } from './scenarios-security.ts';
import { waitingScenarios } from './scenarios-waiting.ts';
import type { ConformanceAdapter } from './types.ts';

export type {
  ConformanceAdapter,
  ConformanceClient,
  ConformanceContext,
  ConformanceRequest,
  ConformanceResponse,
  ScenarioName,
} from './types.ts';

export function runConformanceSuite(adapter: ConformanceAdapter): void {
  describe(adapter.name, () => {
    let msw: MswServer | undefined;
    const cleanups: (() => void | Promise<void>)[] = [];
    beforeAll(() => {
      msw = startMsw();
    });
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
      msw?.server.resetHandlers();
    });
    afterAll(() => {
      msw?.close();
    });
    const suite = createSuiteContext(
      adapter,
      () => {
        if (msw === undefined) throw new Error('msw is not running');
        return msw;
      },
      cleanups,
    );
    refreshScenarios(suite);
    waitingScenarios(suite);
    requestScenarios(suite);
    redactionScenarios(suite);
    securityScenarios(suite);
    kitScenarios(suite);
  });
}
