/** Compile-time checks (run by `tsc -p packages/ky/tsconfig.json`): the hooks fit where ky users put them. */
import type { TokenManager } from '@tokenrelay/core';
import { type TokenRelayContext, tokenRefresh } from '@tokenrelay/ky';
import ky, { type KyInstance, type Options } from 'ky';
import { expectTypeOf } from 'vitest';

declare const manager: TokenManager;

expectTypeOf(tokenRefresh(manager)).toExtend<(parent: Options) => Options>();
expectTypeOf(
  ky.create({ baseUrl: 'https://api.example.test' }).extend(tokenRefresh(manager)),
).toEqualTypeOf<KyInstance>();
expectTypeOf(
  ky.create({ prefix: 'https://api.example.test' }).extend(
    tokenRefresh(({ options }) => {
      expectTypeOf(options.context).toEqualTypeOf<Record<string, unknown>>();
      return manager;
    }),
  ),
).toEqualTypeOf<KyInstance>();

tokenRefresh(manager, { origins: ['https://api.example.test', new URL('https://cdn.example.test')] });
tokenRefresh(manager, { origins: '*', headerName: 'X-Token', scheme: 'Token' });
tokenRefresh(manager, {
  shouldRefresh: ({ status, wwwAuthenticate }) => status === 401 || !!wwwAuthenticate,
});
// @ts-expect-error origins are strings or URLs
tokenRefresh(manager, { origins: 443 });
// @ts-expect-error unknown option
tokenRefresh(manager, { retries: 1 });

const optOut = { tokenRelay: false } satisfies TokenRelayContext;
void ky.get('https://api.example.test/health', { context: optOut });
// @ts-expect-error the switch only turns the token off
const notASwitch: TokenRelayContext = { tokenRelay: true };
void notASwitch;
