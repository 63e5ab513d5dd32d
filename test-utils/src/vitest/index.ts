export { type Emulation, useEmulation } from './use-emulation.ts';
