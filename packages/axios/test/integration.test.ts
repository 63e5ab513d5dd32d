import { runIntegrationSuite } from '@tokenrelay/test-utils/integration';
import { adapterFor } from './adapter.ts';
import { axiosVersions } from './axios-versions.ts';

// The newest axios only: the suite runs for about 30 s against the real server; the msw conformance suite covers
// every version in the peer range.
const [newest] = axiosVersions;
if (newest === undefined) throw new Error('no axios version to test');
runIntegrationSuite(adapterFor(newest));
