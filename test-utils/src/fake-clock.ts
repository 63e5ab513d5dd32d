export { createFakeClock, type FakeClock } from '@tokenrelay/core/testing';
