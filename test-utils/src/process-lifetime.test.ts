/**
 * Issue "every guarantee holds off the happy path", item 1: a short-lived process whose token endpoint fails once
 * must not exit with the request never sent. Each adapter runs in a real child process (Node, the adapter and the
 * core from their sources) against a loopback token endpoint that answers 503 once, then a new token; the child
 * must print the API's answer and exit 0 on its own. (Before: exit 13, "unsettled top-level await", no output:
 * during the backoff only unref'd timers were pending.)
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type LoopbackListener, listenLoopback } from '@tokenrelay/msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const runChild = (adapter: string, origin: string): Promise<Run> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        '--import',
        here('./process-lifetime/register.mjs'),
        here('./process-lifetime/cli.mjs'),
        adapter,
        origin,
      ],
      { timeout: 15_000, cwd: here('./process-lifetime') },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });

describe('a short-lived process with an expired token and a token endpoint that fails once', () => {
  let listener: LoopbackListener;
  const tokenCalls = new Map<string, number>();

  beforeAll(async () => {
    listener = await listenLoopback(async (request) => {
      const url = new URL(request.url);
      if (url.pathname === '/token') {
        const form = new URLSearchParams(await request.text());
        // One client per adapter: the refresh token says which child is calling.
        const who = form.get('client_id') ?? '?';
        const n = (tokenCalls.get(who) ?? 0) + 1;
        tokenCalls.set(who, n);
        if (n === 1) return Response.json({ error: 'temporarily_unavailable' }, { status: 503 });
        return Response.json({ access_token: 'fresh-token', token_type: 'Bearer', expires_in: 3600 });
      }
      if (url.pathname === '/api/me') {
        if (request.headers.get('authorization') !== 'Bearer fresh-token') {
          return Response.json({ error: 'invalid_token' }, { status: 401 });
        }
        return Response.json({ user: 'me' });
      }
      return new Response('not found', { status: 404 });
    });
  });

  afterAll(async () => {
    await listener?.close();
  });

  it.each(['axios', 'got', 'ky', 'fetch'])(
    '%s: the request is sent after the backoff, the response printed, exit code 0',
    async (adapter) => {
      tokenCalls.clear();
      const run = await runChild(adapter, listener.origin);
      expect(run.stderr).toBe('');
      expect(run.stdout.trim()).toBe(JSON.stringify({ status: 200, body: { user: 'me' } }));
      expect(run.code).toBe(0);
      expect(tokenCalls.get('cli')).toBe(2);
    },
    20_000,
  );
});
