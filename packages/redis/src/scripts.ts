/**
 * The Lua scripts. Each runs atomically on the server, touches only keys of one grant (same hash tag, so they work
 * on Redis Cluster) and replies with an integer: RESP2 and RESP3 differ in how nil and false come back, integers
 * are the same on both.
 */
import { createHash } from 'node:crypto';

export interface Script {
  readonly source: string;
  readonly sha: string;
}

const script = (source: string): Script => ({
  source,
  sha: createHash('sha1').update(source).digest('hex'),
});

/**
 * Fenced write. KEYS[1] tokens hash; ARGV version ('' = unversioned, unconditional), data, channel, message.
 * Replies -1 when written, otherwise the stored version (>= 0) that refused it.
 */
export const SET_TOKENS: Script = script(`
local stored = redis.call('HGET', KEYS[1], 'v')
if ARGV[1] ~= '' and stored then
  local current = tonumber(stored)
  if current >= tonumber(ARGV[1]) then return current end
end
local version = ARGV[1]
if version == '' then version = '0' end
redis.call('HSET', KEYS[1], 'v', version, 'd', ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return -1
`);

/**
 * Fenced removal. KEYS[1] tokens hash; ARGV max version ('' = unconditional), channel, message.
 * Replies -1 when removed (or nothing was there), otherwise the newer stored version that refused it.
 */
export const CLEAR_TOKENS: Script = script(`
if ARGV[1] ~= '' then
  local stored = redis.call('HGET', KEYS[1], 'v')
  if stored and tonumber(stored) > tonumber(ARGV[1]) then return tonumber(stored) end
end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return -1
`);

/** Compare-and-delete. KEYS[1] lock; ARGV owner, channel, message. Replies 1 when released, 0 when not the owner. */
export const RELEASE_LOCK: Script = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], ARGV[3])
  return 1
end
return 0
`);

/**
 * Compare-and-pexpire. KEYS[1] lock; ARGV owner, lease ms. Replies the lease left before extending (>= 0) when
 * the caller owns the lock, -1 when it does not (expired, or taken by another process).
 */
export const EXTEND_LOCK: Script = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  local left = redis.call('PTTL', KEYS[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  if left < 0 then left = 0 end
  return left
end
return -1
`);
