import * as msw from 'msw';
import { expect, it } from 'vitest';
import * as msw2 from '../node_modules/msw2/lib/core/index.mjs';

/** Run by the msw-v2 project only: proves its tests really ran on msw 2, not on the msw 3 the package installs. */
it('resolves msw to msw 2 in this project', () => {
  expect(msw.http as unknown).toBe(msw2.http);
});
