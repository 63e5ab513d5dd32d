/**
 * Every way a caller prints or logs an error, with the real loggers and serializers people use: the error's own
 * text, JSON, `util.inspect` at full depth, pino (its standard `err` serializer, and a real logger writing to a
 * stream), winston (`format.errors()` + `format.json()` through a real stream transport) and `serialize-error`.
 */
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { pino } from 'pino';
import { serializeError } from 'serialize-error';
import winston from 'winston';

const collector = (): { readonly stream: Writable; readonly text: () => string } => {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
};

const safely = (render: () => string): string => {
  try {
    return render();
  } catch (error) {
    // A rendering that throws (a circular structure) prints nothing of the error, so it cannot leak that way.
    return `<threw ${error instanceof Error ? error.name : 'a non-error'}>`;
  }
};

/** Lets a logger's stream flush (winston writes through a stream pipeline). */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function renderings(error: unknown): Promise<Record<string, string>> {
  const pinoOut = collector();
  pino({ base: null }, pinoOut.stream).error({ err: error }, 'request failed');
  const winstonOut = collector();
  const logger = winston.createLogger({
    format: winston.format.combine(winston.format.errors({ stack: true }), winston.format.json()),
    transports: [new winston.transports.Stream({ stream: winstonOut.stream })],
  });
  logger.error(error as Error);
  logger.error('request failed', error);
  await flush();
  logger.close();
  return {
    'err.message': safely(() => (error instanceof Error ? error.message : '')),
    'err.stack': safely(() => (error instanceof Error ? String(error.stack) : '')),
    'String(err)': safely(() => String(error)),
    'JSON.stringify(err)': safely(() => JSON.stringify(error) ?? ''),
    'util.inspect(err)': safely(() => inspect(error)),
    'util.inspect(err, { depth: Infinity })': safely(() =>
      inspect(error, { depth: Number.POSITIVE_INFINITY }),
    ),
    'util.inspect(err, { showHidden: false, depth: Infinity, colors: true })': safely(() =>
      inspect(error, { depth: Number.POSITIVE_INFINITY, colors: true }),
    ),
    'pino.stdSerializers.err': safely(() => JSON.stringify(pino.stdSerializers.err(error as Error))),
    'pino logger': pinoOut.text(),
    'winston errors() + json()': winstonOut.text(),
    'serialize-error': safely(() => JSON.stringify(serializeError(error))),
  };
}

/** An error a request failed with, and which failure it was. */
export interface Caught {
  readonly what: string;
  readonly error: unknown;
}

/** A list of caught errors and `keep(what, error)`, which adds one (a response without an error adds nothing). */
export function catcher(): {
  readonly caught: Caught[];
  readonly keep: (what: string, error: unknown) => void;
} {
  const caught: Caught[] = [];
  return {
    caught,
    keep: (what, error) => {
      if (error !== undefined) caught.push({ what, error });
    },
  };
}

/** Settles to what the request rejected with; fails the test if it succeeded. */
export const rejection = (request: Promise<unknown>): Promise<unknown> =>
  request.then(
    () => {
      throw new Error('the request succeeded; it should have failed');
    },
    (error: unknown) => error,
  );

/** Each (failure, channel, secret #) where a secret shows. */
export async function leaksOf(caught: readonly Caught[], secrets: readonly string[]): Promise<string[]> {
  const leaks: string[] = [];
  for (const { what, error } of caught) {
    for (const [how, text] of Object.entries(await renderings(error))) {
      secrets.forEach((secret, index) => {
        if (secret !== '' && text.includes(secret)) leaks.push(`${what}: secret #${index} in ${how}`);
      });
    }
  }
  return leaks;
}
