export {
  type BrowserStoreEvent,
  type BrowserStoreOptions,
  type BrowserTokenStore,
  browserStore,
  type VisibilitySource,
} from './browser-store.ts';
export type { ChannelFactory, ChannelLike, ClearReason } from './channel.ts';
export type { LockManagerLike, TimerFunctions } from './web-lock.ts';
