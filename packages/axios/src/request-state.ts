import type { TokenManager } from '@tokenrelay/core';
import { SentToken as KitSentToken } from '@tokenrelay/core/adapter-kit';

/**
 * What an attachment remembers about one request, kept on the request config.
 *
 * It lives under a string key because `instance.request(config)` (our replay) runs the config through axios's
 * `mergeConfig`, which keeps only string keys; class instances are kept by reference, plain objects would be copied.
 * The token sits in a private field, so neither `JSON.stringify` nor `util.inspect` of a config shows it.
 */
const STATE_KEY = '__tokenRelay';

/** Identifies one `attachTokenRefresh` call, so that two attachments on one instance never act on each other's requests. */
export type Owner = object;

/** Set by the request interceptor on every request it put a token on: the kit's mark, with its owner and manager. */
export class SentToken extends KitSentToken {
  readonly owner: Owner;
  /** The manager whose token this is (a resolver may pick one per request). */
  readonly manager: TokenManager;

  constructor(owner: Owner, manager: TokenManager, token: string, replayed: boolean) {
    super(token, replayed);
    this.owner = owner;
    this.manager = manager;
  }
}

/** Put on the config handed to `instance.request` for the replay; the request interceptor uses it up. */
export class ReplayTicket {
  readonly owner: Owner;
  #used = false;

  constructor(owner: Owner) {
    this.owner = owner;
  }

  /** True the first time only, so that a caller re-sending an old config gets a fresh pass. */
  use(): boolean {
    if (this.#used) return false;
    this.#used = true;
    return true;
  }

  toJSON(): { replay: true } {
    return { replay: true };
  }
}

type Marked = { [STATE_KEY]?: unknown };

const read = (config: object): unknown => (config as Marked)[STATE_KEY];

/** The mark this owner left on the config, if any. */
export function sentTokenOf(config: object, owner: Owner): SentToken | undefined {
  const mark = read(config);
  return mark instanceof SentToken && mark.owner === owner ? mark : undefined;
}

/**
 * Reads the mark once: whether this config carries a mark of `owner`'s from an earlier pass (a sent token or a
 * replay ticket; its header then holds our old token), and the ticket when it is one.
 */
export function ownMarkOf(
  config: object,
  owner: Owner,
): { readonly marked: boolean; readonly ticket: ReplayTicket | undefined } {
  const mark = read(config);
  if (mark === undefined) return NOT_MARKED;
  if (mark instanceof ReplayTicket && mark.owner === owner) return { marked: true, ticket: mark };
  return mark instanceof SentToken && mark.owner === owner ? MARKED_SENT : NOT_MARKED;
}

const NOT_MARKED = Object.freeze({ marked: false, ticket: undefined });
const MARKED_SENT = Object.freeze({ marked: true, ticket: undefined });

export function mark(config: object, value: SentToken | ReplayTicket | undefined): void {
  if (value === undefined) delete (config as Marked)[STATE_KEY];
  else (config as Marked)[STATE_KEY] = value;
}

/** A config copy for the replay, carrying a ticket. */
export function withTicket<C extends object>(config: C, ticket: ReplayTicket): C {
  return { ...config, [STATE_KEY]: ticket };
}
