import type { TokenSet } from '@tokenrelay/core';
import { isTokenRecord } from './record.ts';

/** Why tokens were removed: a user's logout (`clear()`), or a terminal refresh failure (`clear({ version })`). */
export type ClearReason = 'logout' | 'reauth-required';

/** What tabs tell each other over the BroadcastChannel. Same-origin only, like the storage itself. */
export type ChannelMessage =
  | { readonly type: 'tokens'; readonly tokens: TokenSet }
  | { readonly type: 'cleared'; readonly reason: ClearReason };

/** The part of `BroadcastChannel` the store uses. */
export interface ChannelLike {
  postMessage(message: unknown): void;
  close(): void;
  onmessage: ((event: MessageEvent) => void) | null;
}

export type ChannelFactory = (name: string) => ChannelLike;

/** A message from another tab, checked: anything else on the channel is ignored. */
export function parseMessage(data: unknown): ChannelMessage | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const message = data as { type?: unknown; tokens?: unknown; reason?: unknown };
  if (message.type === 'tokens' && isTokenRecord(message.tokens)) {
    return { type: 'tokens', tokens: message.tokens };
  }
  if (message.type === 'cleared' && (message.reason === 'logout' || message.reason === 'reauth-required')) {
    return { type: 'cleared', reason: message.reason };
  }
  return undefined;
}
