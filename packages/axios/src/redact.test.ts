import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets } from './redact.ts';

const SECRET = 'tok_0123456789abcdef';
const OTHER = 'tok_fedcba9876543210';

class WithJSON extends Error {
  readonly config = { headers: { Authorization: `Bearer ${SECRET}` } };
  toJSON(): unknown {
    return { message: this.message, config: this.config };
  }
}

describe('redactSecrets', () => {
  it('replaces the secret in JSON and inspect output, at any depth, leaving the error usable', () => {
    const error = redactSecrets(new WithJSON('failed'), [SECRET]);
    const nested = { outer: { inner: { error } } };
    expect(JSON.stringify(error)).not.toContain(SECRET);
    expect(JSON.stringify(error)).toContain(REDACTED);
    expect(inspect(error)).not.toContain(SECRET);
    expect(inspect(error)).toContain('failed');
    expect(inspect(nested, { depth: 10 })).not.toContain(SECRET);
    expect(inspect(error, { colors: true })).not.toContain(SECRET);
    // Code that reads the data still gets it.
    expect(error.config.headers.Authorization).toBe(`Bearer ${SECRET}`);
    expect(error).toBeInstanceOf(WithJSON);
  });

  it('covers errors without toJSON (own enumerable fields)', () => {
    const error = Object.assign(new Error('plain'), { header: `Bearer ${SECRET}` });
    redactSecrets(error, [SECRET]);
    expect(JSON.stringify(error)).toBe(`{"header":"Bearer ${REDACTED}"}`);
    expect(inspect(error)).not.toContain(SECRET);
  });

  it('a second call adds secrets rather than wrapping twice', () => {
    const error = Object.assign(new Error('twice'), { a: SECRET, b: OTHER });
    redactSecrets(redactSecrets(error, [SECRET]), [OTHER]);
    const text = inspect(error);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(OTHER);
    expect(text.split(REDACTED)).toHaveLength(3);
    expect(Object.keys(error)).toEqual(['a', 'b']);
  });

  it('leaves non-objects alone', () => {
    expect(redactSecrets('text', [SECRET])).toBe('text');
    expect(redactSecrets(undefined, [SECRET])).toBeUndefined();
  });
});
