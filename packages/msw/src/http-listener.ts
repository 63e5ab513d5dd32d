import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A Fetch-API handler served over node:http on 127.0.0.1 with a random port. */

export interface LoopbackListener {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  close(): Promise<void>;
}

/** Largest request body the listener buffers; more is answered 413. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

class BodyTooLarge extends Error {}

const readBody = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
};

const toRequest = async (origin: string, req: IncomingMessage, signal: AbortSignal): Promise<Request> => {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] ?? '';
    if (/^(connection|keep-alive|transfer-encoding|upgrade)$/i.test(name)) continue;
    headers.append(name, req.rawHeaders[i + 1] ?? '');
  }
  const method = req.method ?? 'GET';
  const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req);
  const init: RequestInit = { method, headers, signal };
  if (body !== undefined && body.length > 0) init.body = new Uint8Array(body);
  return new Request(new URL(req.url ?? '/', origin), init);
};

const writeResponse = async (res: ServerResponse, response: Response): Promise<void> => {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of response.headers) {
    const previous = headers[name];
    headers[name] =
      previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  const body = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, headers);
  res.end(body);
};

export async function listenLoopback(
  handle: (request: Request) => Promise<Response>,
): Promise<LoopbackListener> {
  const server = createServer((req, res) => {
    const aborted = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) aborted.abort(new Error('client went away'));
    });
    const run = async (): Promise<void> => {
      try {
        const response = await handle(await toRequest(origin, req, aborted.signal));
        if (response.type === 'error') {
          req.socket.destroy();
          return;
        }
        await writeResponse(res, response);
      } catch (error) {
        const tooLarge = error instanceof BodyTooLarge;
        if (!res.headersSent) {
          res.writeHead(tooLarge ? 413 : 500, { 'content-type': 'text/plain', connection: 'close' });
        }
        res.end(tooLarge ? 'request body too large' : 'emulation failure');
      }
    };
    void run();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;
  return {
    origin,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
