import { runIntegrationSuite } from '@tokenrelay/test-utils/integration';
import { adapter } from './adapter.ts';

runIntegrationSuite(adapter);
