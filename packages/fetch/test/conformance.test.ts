import { runConformanceSuite } from '@tokenrelay/test-utils/conformance';
import { adapter } from './adapter.ts';

runConformanceSuite(adapter);
