import { runConformanceSuite } from '@tokenrelay/test-utils/conformance';
import { adapterFor } from './adapter.ts';
import { gotVersions } from './got-versions.ts';

for (const version of gotVersions) runConformanceSuite(adapterFor(version));
