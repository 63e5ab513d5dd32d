import type { TokenManager } from '@tokenrelay/core';
import { SentToken as KitSentToken } from '@tokenrelay/core/adapter-kit';
import { markOf, unwrapped } from './redirect.ts';

/**
 * What an attachment remembers about one request, kept with the request config: the token it sent rides on the
 * config's `beforeRedirect` wrapper, which every request that carries a token gets (redirect.ts); the replay's
 * ticket sits under a string key of the replay's config.
 *
 * Both survive `instance.request(config)` (our replay), which runs the config through axios's `mergeConfig`: it
 * keeps string keys only, class instances and functions by reference. The token sits in a private field, so neither
 * `JSON.stringify` nor `util.inspect` of a config shows it.
 */
const TICKET_KEY = '__tokenRelay';

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

type Marked = { [TICKET_KEY]?: unknown; beforeRedirect?: unknown };

/** The mark this owner left on the config, if any. */
export function sentTokenOf(config: object, owner: Owner): SentToken | undefined {
  const mark = markOf((config as Marked).beforeRedirect);
  return mark instanceof SentToken && mark.owner === owner ? mark : undefined;
}

/**
 * Whether this config carries a mark of `owner`'s from an earlier pass (a sent token or a replay ticket; its header
 * then holds our old token), and the ticket when it is one.
 */
export function ownMarkOf(
  config: object,
  owner: Owner,
): { readonly marked: boolean; readonly ticket: ReplayTicket | undefined } {
  const ticket = (config as Marked)[TICKET_KEY];
  if (ticket instanceof ReplayTicket && ticket.owner === owner) return { marked: true, ticket };
  return sentTokenOf(config, owner) === undefined ? NOT_MARKED : MARKED_SENT;
}

const NOT_MARKED = Object.freeze({ marked: false, ticket: undefined });
const MARKED_SENT = Object.freeze({ marked: true, ticket: undefined });

/** Takes our marks off a config that comes back (the replay, or a caller re-sending a config we saw). */
export function unmark(config: object): void {
  const marked = config as Marked;
  if (TICKET_KEY in marked) delete marked[TICKET_KEY];
  const own = unwrapped(marked.beforeRedirect);
  if (own === undefined) delete marked.beforeRedirect;
  else marked.beforeRedirect = own;
}

/** A config copy for the replay, carrying a ticket. */
export function withTicket<C extends object>(config: C, ticket: ReplayTicket): C {
  return { ...config, [TICKET_KEY]: ticket };
}
