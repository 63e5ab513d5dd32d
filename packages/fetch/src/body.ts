/**
 * Request bodies given in `init.body`, kept so that the request can be sent again: after a refresh, or on a
 * 307/308 redirect followed by the wrapper. Bodies fetch can read twice are reused (bytes are copied once, so a
 * caller that reuses its buffer cannot change a replay); a `ReadableStream` is recorded while it is sent, up to a
 * byte limit; anything else is sent once.
 */
import { NotReplayableError } from '@tokenrelay/core';
import { isConsumedByFirstSend } from '@tokenrelay/core/adapter-kit';

/** Default `replayBufferBytes`: 1 MiB. */
export const DEFAULT_REPLAY_BUFFER_BYTES = 1_048_576;

export interface BodyReplay {
  /** The body for the first send. Call once. */
  first(): BodyInit;
  /** A body for another send of the same request; rejects with `NotReplayableError` when there is none. */
  again(): Promise<BodyInit>;
}

const tagOf = (value: unknown): string => Object.prototype.toString.call(value).slice(8, -1);

const copyBytes = (source: ArrayBuffer | ArrayBufferView): Uint8Array<ArrayBuffer> =>
  ArrayBuffer.isView(source)
    ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength).slice()
    : new Uint8Array(source).slice();

const reuse = (body: BodyInit): BodyReplay => ({
  first: () => body,
  again: () => Promise.resolve(body),
});

/**
 * Builds the replay for `init.body` (not null). Whether the first send uses the body up is the kit's rule
 * (`isConsumedByFirstSend`); a `ReadableStream` is recorded, other such bodies are sent once.
 */
export function bodyReplay(body: BodyInit, limit: number): BodyReplay {
  if (tagOf(body) === 'ReadableStream') return streamReplay(body as ReadableStream<unknown>, limit);
  if (isConsumedByFirstSend(body)) {
    return {
      first: () => body,
      again: () => Promise.reject(new NotReplayableError('the body is of a kind that can be read only once')),
    };
  }
  if (ArrayBuffer.isView(body) || tagOf(body) === 'ArrayBuffer' || tagOf(body) === 'SharedArrayBuffer') {
    return reuse(copyBytes(body as ArrayBuffer | ArrayBufferView));
  }
  return reuse(body);
}

type Recording = 'sending' | 'complete' | 'too-large' | 'not-bytes';

/**
 * Passes the stream through to fetch and keeps a copy of its chunks while the total stays within `limit`. Past
 * the limit the copy is dropped at once: memory stays bounded, and the request is then not replayable.
 */
function streamReplay(stream: ReadableStream<unknown>, limit: number): BodyReplay {
  let chunks: Uint8Array[] = [];
  let size = 0;
  let recording: Recording = 'sending';
  let bytes: Uint8Array<ArrayBuffer> | undefined;
  const recorder = new TransformStream<unknown, unknown>({
    transform(chunk, controller) {
      if (recording === 'sending') {
        if (!ArrayBuffer.isView(chunk)) {
          recording = 'not-bytes';
          chunks = [];
        } else if (size + chunk.byteLength > limit) {
          recording = 'too-large';
          chunks = [];
        } else {
          chunks.push(copyBytes(chunk));
          size += chunk.byteLength;
        }
      }
      controller.enqueue(chunk);
    },
    flush() {
      if (recording === 'sending') recording = 'complete';
    },
  });
  const reasons: Record<Exclude<Recording, 'complete'>, string> = {
    sending: 'the stream body was not sent to its end',
    'too-large': `the stream body is larger than replayBufferBytes (${limit} bytes)`,
    'not-bytes': 'the stream body has chunks that are not bytes',
  };
  return {
    first: () => stream.pipeThrough(recorder) as ReadableStream<Uint8Array<ArrayBuffer>>,
    again() {
      if (recording !== 'complete') return Promise.reject(new NotReplayableError(reasons[recording]));
      if (bytes === undefined) {
        bytes = new Uint8Array(size);
        let offset = 0;
        for (const chunk of chunks) {
          bytes.set(chunk, offset);
          offset += chunk.byteLength;
        }
        chunks = [];
      }
      return Promise.resolve(bytes);
    },
  };
}
