import ky from 'ky';
import kyOldest from 'ky-2-oldest';
import { describe, expect, it, vi } from 'vitest';
import { kyVersion } from './ky-versions.ts';
import { kySuites } from './suites/index.ts';

// The adapter and these tests both import `ky`: here it is the oldest release the peer range admits.
vi.mock('ky', async () => await import('ky-2-oldest'));

const version = kyVersion('ky-2-oldest', ky);
describe(version.name, () => {
  it('runs on the oldest ky', () => {
    expect(version.name).toBe('ky@2.0.0');
    expect(ky).toBe(kyOldest);
  });
  kySuites(version);
});
