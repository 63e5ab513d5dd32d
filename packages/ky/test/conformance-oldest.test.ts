import { runConformanceSuite } from '@tokenrelay/test-utils/conformance';
import ky from 'ky';
import kyOldest from 'ky-2-oldest';
import { expect, it, vi } from 'vitest';
import { kyConformanceAdapter } from './adapter.ts';
import { kyVersion } from './ky-versions.ts';

// The adapter imports `ky`: in this file it is the oldest release the peer range admits (see ky-versions.ts).
vi.mock('ky', async () => await import('ky-2-oldest'));

it('runs on the oldest ky', () => {
  expect(ky).toBe(kyOldest);
});

runConformanceSuite(kyConformanceAdapter(kyVersion('ky-2-oldest', ky)));
