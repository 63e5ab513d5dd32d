/** Messages between the soak runner and its server process (`server-process.ts`), over the fork IPC channel. */
import type { TokenSet } from '@tokenrelay/core';

export interface ServerInfo {
  /** `http://127.0.0.1:<port>` */
  readonly apiOrigin: string;
  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface ServerCounters {
  readonly tokenCalls: number;
  readonly successfulRefreshes: number;
  /** Refresh tokens presented twice (each revoked its grant). */
  readonly reuseDetections: number;
  /** 401 answers from the API. */
  readonly unauthorized: number;
  readonly apiRequests: number;
}

/** What the runner asks: a new grant (a login), the counters, or to close the listeners and end. */
export type ParentMessage = { readonly id: number; readonly type: 'grant' | 'counters' | 'close' };

export type ServerMessage =
  | { readonly type: 'ready'; readonly info: ServerInfo }
  | { readonly id: number; readonly type: 'grant'; readonly tokens: TokenSet }
  | {
      readonly id: number;
      readonly type: 'counters';
      readonly counters: ServerCounters;
      /** The server process's own live heap (after a full GC), for the report. */
      readonly heapUsed: number;
    }
  | { readonly id: number; readonly type: 'closed' };
