import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REDACTED, redactError } from './adapter-kit.ts';

const SECRET = 'tok_0123456789abcdef';
const OTHER = 'tok_fedcba9876543210';

class WithJSON extends Error {
  readonly config = { headers: { Authorization: `Bearer ${SECRET}` } };
  toJSON(): unknown {
    return { message: this.message, config: this.config };
  }
}

/** What pino's `err` serializer, winston's `errors()` and serialize-error copy: own enumerable fields. */
const copied = (error: object): string => JSON.stringify(Object.assign({}, error));

describe('redactError', () => {
  it('replaces the secret in JSON and inspect output, at any depth, leaving the error usable', () => {
    const error = redactError(new WithJSON('failed'), [SECRET]);
    const nested = { outer: { inner: { error } } };
    expect(JSON.stringify(error)).not.toContain(SECRET);
    expect(JSON.stringify(error)).toContain(REDACTED);
    expect(inspect(error)).not.toContain(SECRET);
    expect(inspect(error)).toContain('failed');
    expect(inspect(nested, { depth: 10 })).not.toContain(SECRET);
    expect(inspect(error, { colors: true, depth: Number.POSITIVE_INFINITY })).not.toContain(SECRET);
    // Code that reads the data still gets it.
    expect(error.config.headers.Authorization).toBe(`Bearer ${SECRET}`);
    expect(error).toBeInstanceOf(WithJSON);
  });

  it('hides object fields and secret-holding strings from loggers that copy enumerable fields', () => {
    const error = Object.assign(new Error('plain'), {
      code: 'E_HTTP',
      status: 401,
      config: { headers: { authorization: `Bearer ${SECRET}` } },
      data: `you sent Bearer ${SECRET}`,
    });
    redactError(error, [SECRET]);
    expect(copied(error)).toBe('{"code":"E_HTTP","status":401}');
    expect(error.data).toContain(SECRET);
    expect(Object.keys(error)).toEqual(['code', 'status']);
  });

  it('replaces a secret in the message and stack, and the escaped forms inspect and JSON print', () => {
    const quoted = "tok'with\\quote";
    const error = redactError(Object.assign(new Error(`bad token ${quoted}`), { raw: { quoted } }), [quoted]);
    expect(error.message).toBe(`bad token ${REDACTED}`);
    expect(String(error.stack)).not.toContain(quoted);
    expect(inspect(error, { depth: 5 })).not.toMatch(/tok.+with.+quote/);
    expect(JSON.stringify(error)).not.toMatch(/tok.+with.+quote/);
  });

  it('follows the cause chain; a second call adds secrets rather than wrapping twice', () => {
    const inner = Object.assign(new Error('inner'), { header: { value: OTHER } });
    const error = Object.assign(new Error('twice', { cause: inner }), { a: SECRET });
    redactError(redactError(error, [SECRET]), [OTHER]);
    const text = inspect(error, { depth: Number.POSITIVE_INFINITY });
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(OTHER);
    expect(copied(inner)).toBe('{}');
    expect(Object.keys(error)).toEqual([]);
  });

  it('leaves non-objects alone', () => {
    expect(redactError('text', [SECRET])).toBe('text');
    expect(redactError(undefined, [SECRET])).toBeUndefined();
  });
});
