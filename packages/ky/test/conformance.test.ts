import { runConformanceSuite } from '@tokenrelay/test-utils/conformance';
import ky from 'ky';
import { kyConformanceAdapter } from './adapter.ts';
import { kyVersion } from './ky-versions.ts';

runConformanceSuite(kyConformanceAdapter(kyVersion('ky', ky)));
