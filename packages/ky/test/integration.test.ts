import { runIntegrationSuite } from '@tokenrelay/test-utils/integration';
import ky from 'ky';
import { kyConformanceAdapter } from './adapter.ts';
import { kyVersion } from './ky-versions.ts';

runIntegrationSuite(kyConformanceAdapter(kyVersion('ky', ky)));
