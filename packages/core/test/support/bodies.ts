/**
 * Response bodies for token-endpoint fault injection: lazily produced (so a 10 MB body costs nothing unless it
 * is read), counted (so a test sees how much was pulled and whether the reader cancelled), dripped on real
 * timers, or cut by a connection reset.
 */

export interface CountingBody {
  readonly stream: ReadableStream<Uint8Array>;
  /** Bytes handed to the reader so far. */
  produced(): number;
  cancelled(): boolean;
}

const encoder = new TextEncoder();

/**
 * `prefix`, then filler bytes up to `total`, in chunks of `chunkSize`, produced only when the reader pulls
 * (highWaterMark 0). `failAfter`: the stream errors (a connection reset) once that many bytes went out.
 */
export function countingBody(options: {
  readonly total: number;
  readonly chunkSize?: number;
  readonly prefix?: string;
  readonly failAfter?: number;
}): CountingBody {
  const chunkSize = options.chunkSize ?? 64 * 1024;
  const prefix = encoder.encode(options.prefix ?? '');
  let produced = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (options.failAfter !== undefined && produced >= options.failAfter) {
          controller.error(Object.assign(new TypeError('terminated'), { code: 'ECONNRESET' }));
          return;
        }
        if (produced >= options.total) {
          controller.close();
          return;
        }
        const size = Math.min(chunkSize, options.total - produced);
        const chunk = new Uint8Array(size).fill(0x20);
        if (produced < prefix.length) chunk.set(prefix.subarray(produced, produced + size));
        produced += size;
        controller.enqueue(chunk);
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, produced: () => produced, cancelled: () => cancelled };
}

/** `text`, one piece every `everyMs` of real time (a server or proxy that trickles its answer). */
export function drip(text: string, everyMs: number, pieceSize = 1): CountingBody {
  const bytes = encoder.encode(text);
  let produced = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (produced >= bytes.length) {
          controller.close();
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, everyMs));
        if (cancelled) return;
        const piece = bytes.subarray(produced, produced + pieceSize);
        produced += piece.length;
        controller.enqueue(piece);
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, produced: () => produced, cancelled: () => cancelled };
}

/** `bytes` split at `cuts` (byte offsets), then closed, or errored (a connection reset) when `reset` is set. */
export function chunked(
  bytes: Uint8Array,
  cuts: readonly number[],
  reset: boolean,
): ReadableStream<Uint8Array> {
  const points = [...new Set(cuts.map((cut) => Math.min(Math.max(0, cut), bytes.length)))].sort(
    (a, b) => a - b,
  );
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    if (point > from) pieces.push(bytes.subarray(from, point));
    from = Math.max(from, point);
  }
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const piece = pieces.shift();
      if (piece !== undefined) controller.enqueue(piece);
      else if (reset) controller.error(new TypeError('terminated'));
      else controller.close();
    },
  });
}
