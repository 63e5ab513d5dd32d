import { runIntegrationSuite } from '@tokenrelay/test-utils/integration';
import { adapterFor } from './adapter.ts';
import { gotVersions } from './got-versions.ts';

// The newest got only: the suite runs for about 30 s against the real server; the msw conformance suite covers
// every version in the peer range.
const [newest] = gotVersions;
if (newest === undefined) throw new Error('no got version to test');
runIntegrationSuite(adapterFor(newest));
