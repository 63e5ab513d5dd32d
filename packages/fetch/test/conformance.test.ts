import { runConformanceSuite } from '@tokenrelay/test-utils/conformance';
import { adapterFor } from './adapter.ts';

runConformanceSuite(adapterFor(false));
// The same scenarios with `fetch(url)` wherever a request has nothing of its own to send.
runConformanceSuite(adapterFor(true));
