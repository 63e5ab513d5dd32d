/**
 * Keeps the token out of the client's own errors that reach a caller. An AxiosError holds the request config (the
 * Authorization header), the node request (its raw header block) and the response; its `toJSON()` and `util.inspect`
 * print them. Rather than chase every copy of the header through objects axios and node own, this overrides the two
 * ways an error is printed, on that error only, and replaces every secret string in what they produce.
 *
 * Nothing here is axios-specific: a candidate for @tokenrelay/core's adapter kit (see the package report).
 */

const inspectSymbol: unique symbol = Symbol.for('nodejs.util.inspect.custom');
const secretsSymbol: unique symbol = Symbol.for('tokenrelay.redact.secrets');

export const REDACTED = '[REDACTED]';

type Inspect = (value: unknown, options?: object) => string;

interface Redactable {
  [secretsSymbol]?: Set<string>;
  [inspectSymbol]?: (depth: number | null, options: { depth?: number | null }, inspect: Inspect) => string;
  toJSON?: () => unknown;
}

const redactString = (text: string, secrets: ReadonlySet<string>): string => {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join(REDACTED);
  return out;
};

const hide = (target: object, key: PropertyKey, value: unknown): void => {
  Object.defineProperty(target, key, { value, enumerable: false, writable: true, configurable: true });
};

/**
 * Makes `JSON.stringify(error)` and `util.inspect(error)` print `[REDACTED]` in place of each secret. Idempotent:
 * calling it again only adds secrets. Returns the same error.
 */
export function redactSecrets<E>(error: E, secrets: readonly string[]): E {
  if (typeof error !== 'object' || error === null) return error;
  const target = error as Redactable & object;
  const known = target[secretsSymbol];
  if (known) {
    for (const secret of secrets) known.add(secret);
    return error;
  }
  const set = new Set(secrets.filter((secret) => secret.length > 0));
  hide(target, secretsSymbol, set);

  const toJSON = target.toJSON;
  hide(target, 'toJSON', function redactedToJSON(this: object): unknown {
    const base = typeof toJSON === 'function' ? toJSON.call(this) : { ...this };
    const text = JSON.stringify(base, (_key, value: unknown) =>
      typeof value === 'string' ? redactString(value, set) : value,
    );
    return text === undefined ? undefined : JSON.parse(text);
  });

  const ownInspect = Object.getOwnPropertyDescriptor(target, inspectSymbol);
  hide(
    target,
    inspectSymbol,
    function redactedInspect(
      this: Redactable & object,
      depth: number | null,
      options: { depth?: number | null },
      inspect: Inspect,
    ): string {
      const ours = Object.getOwnPropertyDescriptor(this, inspectSymbol);
      // Print the error as node would without this hook, then redact the text.
      if (ownInspect) Object.defineProperty(this, inspectSymbol, ownInspect);
      else delete this[inspectSymbol];
      try {
        return redactString(inspect(this, { ...options, depth }), set);
      } finally {
        if (ours) Object.defineProperty(this, inspectSymbol, ours);
      }
    },
  );
  return error;
}
