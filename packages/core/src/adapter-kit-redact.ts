/**
 * Keeps the token out of the client's own errors that reach a caller, however the caller prints them. A client's
 * error holds the request (its headers, so the token), the response (whose body may echo the token), a raw header
 * block; loggers print errors in several ways, and each must come out clean:
 * - `String(err)`, `err.message`, `err.stack`: a secret in them is replaced;
 * - pino's `err` serializer, winston's `format.errors()`, `serialize-error`, `Object.assign({}, err)`: they copy the
 *   error's enumerable properties, so every object-valued field (config, request, response, options, data) and every
 *   string field holding a secret is made non-enumerable (it still reads as before);
 * - `JSON.stringify(err)` (the error's own `toJSON`, e.g. AxiosError's) and `util.inspect(err)`: both are replaced,
 *   on this error only, by versions that print as before with every secret replaced, in the escaped forms too.
 * The same is done to the error's `cause` chain. Calling it again only adds secrets.
 */

/** What a secret is replaced with. */
export const REDACTED = '[REDACTED]';

const inspectSymbol: unique symbol = Symbol.for('nodejs.util.inspect.custom');
const secretsSymbol: unique symbol = Symbol.for('tokenrelay.redact.secrets');
const MAX_CAUSE_DEPTH = 8;

type Inspect = (value: unknown, options?: object) => string;

interface Redactable {
  [secretsSymbol]?: Set<string>;
  [inspectSymbol]?: (depth: number | null, options: { depth?: number | null }, inspect: Inspect) => string;
  toJSON?: () => unknown;
}

/** The secret as it is, and as JSON and `util.inspect` escape it inside a string. */
const formsOf = (secret: string, inspect?: Inspect): string[] => {
  const forms = new Set([secret, JSON.stringify(secret).slice(1, -1)]);
  if (inspect !== undefined) forms.add(inspect(secret).slice(1, -1));
  return [...forms].filter((form) => form.length > 0).sort((a, b) => b.length - a.length);
};

const redactString = (text: string, secrets: ReadonlySet<string>, inspect?: Inspect): string => {
  let out = text;
  for (const secret of secrets) {
    for (const form of formsOf(secret, inspect)) if (out.includes(form)) out = out.split(form).join(REDACTED);
  }
  return out;
};

const holdsSecret = (text: string, secrets: ReadonlySet<string>): boolean => {
  for (const secret of secrets) if (text.includes(secret)) return true;
  return false;
};

/** Defines a hidden own property; one the object fixed for itself (non-configurable) is left as it is. */
const hide = (target: object, key: PropertyKey, value: unknown): void => {
  if (Object.getOwnPropertyDescriptor(target, key)?.configurable === false) return;
  Object.defineProperty(target, key, { value, enumerable: false, writable: true, configurable: true });
};

/** Hides what loggers copy, and replaces secrets in message and stack. Runs on every call (new secrets). */
const scrubFields = (target: object, secrets: ReadonlySet<string>): void => {
  for (const key of Object.keys(target)) {
    const descriptor = Object.getOwnPropertyDescriptor(target, key);
    if (descriptor === undefined || !('value' in descriptor) || descriptor.configurable !== true) continue;
    const { value } = descriptor;
    const object = (typeof value === 'object' && value !== null) || typeof value === 'function';
    if (object || (typeof value === 'string' && holdsSecret(value, secrets))) {
      Object.defineProperty(target, key, { enumerable: false });
    }
  }
  for (const key of ['message', 'stack']) {
    const value = (target as Record<string, unknown>)[key];
    if (typeof value === 'string' && holdsSecret(value, secrets)) {
      hide(target, key, redactString(value, secrets));
    }
  }
};

const installPrinters = (target: Redactable & object, secrets: Set<string>): void => {
  hide(target, secretsSymbol, secrets);
  const toJSON = target.toJSON;
  hide(target, 'toJSON', function redactedToJSON(this: object): unknown {
    const base = typeof toJSON === 'function' ? toJSON.call(this) : { ...this };
    const text = JSON.stringify(base, (_key, value: unknown) =>
      typeof value === 'string' ? redactString(value, secrets) : value,
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
      // Print the error as it would print without this hook, then redact the text.
      if (ownInspect) Object.defineProperty(this, inspectSymbol, ownInspect);
      else delete this[inspectSymbol];
      try {
        return redactString(inspect(this, { ...options, depth }), secrets, inspect);
      } finally {
        if (ours) Object.defineProperty(this, inspectSymbol, ours);
      }
    },
  );
};

/**
 * Makes an error the client threw safe to log: see the module comment for every channel covered. Returns the same
 * error, still an instance of its class, every field still readable. Non-objects are returned as they are.
 */
export function redactError<E>(error: E, secrets: readonly string[]): E {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH; depth += 1) {
    if (typeof current !== 'object' || current === null) break;
    const target = current as Redactable & object;
    const known = target[secretsSymbol];
    const set = known ?? new Set<string>();
    for (const secret of secrets) if (secret.length > 0) set.add(secret);
    if (known === undefined) installPrinters(target, set);
    scrubFields(target, set);
    current = (target as { cause?: unknown }).cause;
  }
  return error;
}
