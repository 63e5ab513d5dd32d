import { runConformanceSuite } from '@tokenrelay/test-utils/conformance';
import { adapterFor } from './adapter.ts';
import { axiosVersions } from './axios-versions.ts';

for (const version of axiosVersions) runConformanceSuite(adapterFor(version));
