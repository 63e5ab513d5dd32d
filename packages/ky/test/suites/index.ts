/** Every ky-specific behaviour, for one ky version (the one `ky` resolves to in the calling test file). */
import type { KyVersion } from '../ky-versions.ts';
import { callSuite } from './calls.ts';
import { failureSuite } from './failures.ts';
import { useHarness } from './harness.ts';
import { originSuite } from './origins.ts';
import { replaySuite } from './replay.ts';

export function kySuites(version: KyVersion): void {
  const harness = useHarness();
  originSuite(harness, version);
  replaySuite(harness, version);
  failureSuite(harness, version);
  callSuite(harness, version);
}
