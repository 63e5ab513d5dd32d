/** Type tests, checked by `tsc -p packages/got` (not run). */
import type { TokenManager } from '@tokenrelay/core';
import { type TokenRelayContext, tokenRefresh } from '@tokenrelay/got';
import got, { type Response } from 'got';

declare const manager: TokenManager;

export async function instanceKeepsResponseTypes(): Promise<void> {
  const api = got.extend({ prefixUrl: 'https://api.example.test' }, tokenRefresh(manager));
  const response: Response<string> = await api.get('things');
  const json: { id: number } = await api.get('things').json<{ id: number }>();
  const bodyOnly: string = await got
    .extend({ prefixUrl: 'https://api.example.test', resolveBodyOnly: true }, tokenRefresh(manager))
    .get('things');
  void [response, json, bodyOnly];
}

export async function perRequestOptOut(): Promise<void> {
  const api = got.extend({ prefixUrl: 'https://api.example.test' }, tokenRefresh(manager, { origins: '*' }));
  const context = { tokenRelay: false } satisfies TokenRelayContext;
  await api.get('public', { context });
  // @ts-expect-error only `false` switches the adapter off for a request
  const wrong: TokenRelayContext = { tokenRelay: true };
  void wrong;
}
