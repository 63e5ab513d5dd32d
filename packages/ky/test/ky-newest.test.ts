import ky from 'ky';
import { describe } from 'vitest';
import { kyVersion } from './ky-versions.ts';
import { kySuites } from './suites/index.ts';

const version = kyVersion('ky', ky);
describe(version.name, () => kySuites(version));
