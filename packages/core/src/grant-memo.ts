/**
 * The machine's last answer to `token-needed` when it was a plain grant: the token, no other effect, the state
 * unchanged. For that same state the machine answers the same as long as its own `needsRefresh` says that no
 * refresh is due (the token is then usable and nothing starts), so until then the manager reuses the answer without
 * a transition: the hot path of `getAccessToken` and `peekAccessToken`. Every change of state is a new state object,
 * which ends the reuse.
 */
import { freshWindow } from './freshness.ts';
import type { Effect, MachinePolicy, MachineState } from './machine-types.ts';

export interface GrantMemo {
  /**
   * After a transition: remembers `answer` when it was the plain grant of a `token-needed` (`plain`: the only effect,
   * the state unchanged), forgets the remembered one when the state changed.
   */
  note(state: MachineState, answer: Effect | undefined, plain: boolean): void;
  /** The remembered grant when the machine would answer `token-needed` with it in `state` at `now`. */
  repeat(state: MachineState, now: number): Effect | undefined;
}

export function createGrantMemo(policy: MachinePolicy): GrantMemo {
  let last:
    | {
        readonly state: MachineState;
        readonly answer: Effect;
        /** When the machine's `needsRefresh` is false for this state (freshness.ts, `freshWindow`). */
        readonly from: number;
        readonly until: number;
      }
    | undefined;
  return {
    note(state, answer, plain) {
      if (plain && answer?.type === 'grant') {
        const fresh = freshWindow(state, policy);
        last = fresh === undefined ? undefined : { state, answer, from: fresh.from, until: fresh.until };
      } else if (last !== undefined && last.state !== state) {
        last = undefined;
      }
    },
    repeat: (state, now) =>
      // Not while the tokens are not in use yet: the machine still has to see the request that makes them so.
      last !== undefined && last.state === state && state.inUse && now >= last.from && now < last.until
        ? last.answer
        : undefined,
  };
}
