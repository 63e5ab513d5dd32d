/**
 * The integration suite: the adapter's client against a real OAuth2 authorization server (oidc-provider with
 * refresh-token rotation and reuse detection, 2 s access tokens, no clock tolerance) on 127.0.0.1, with core's
 * `oauth2Refresh` and `oauth2Revoke`. Call `runIntegrationSuite(adapter)` at the top of a test file, with the
 * same `ConformanceAdapter` the conformance suite uses.
 */
import { afterEach, describe } from 'vitest';
import type { ConformanceAdapter } from '../conformance/types.ts';
import { createRig, type Rig, type RigOptions } from './rig.ts';
import { failureScenarios } from './scenarios-failures.ts';
import { waveScenarios } from './scenarios-waves.ts';

export type { LoginTokens, Rig, RigOptions, StartTokens, TokenCall } from './rig.ts';

export function runIntegrationSuite(adapter: ConformanceAdapter): void {
  describe(`${adapter.name} against oidc-provider`, () => {
    const cleanups: (() => void | Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });
    const context = { rig: (options?: RigOptions): Promise<Rig> => createRig(adapter, cleanups, options) };
    waveScenarios(context);
    failureScenarios(context);
  });
}
