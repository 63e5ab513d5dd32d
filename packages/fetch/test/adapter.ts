import { withTokenRefresh } from '@tokenrelay/fetch';
import type { ConformanceAdapter } from '@tokenrelay/test-utils/conformance';

const readBody = async (response: Response): Promise<unknown> => {
  const text = await response.text();
  if (!/json/i.test(response.headers.get('content-type') ?? '')) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/**
 * The fetch adapter as the shared suites drive it (conformance over msw, integration against oidc-provider).
 * With `bareCalls`, a request with no method, header, body or signal of its own is sent as `fetch(url)`, with no
 * init at all, as most GETs are written.
 */
export const adapterFor = (bareCalls: boolean): ConformanceAdapter => ({
  name: `fetch (Node ${process.versions.node}, undici ${process.versions.undici})${bareCalls ? ', calls without init where possible' : ''}`,
  makeClient({ manager, apiOrigin, headerName, managerOf }) {
    // The global fetch as msw patched it, looked up per call.
    const api = withTokenRefresh(
      (input, init) => globalThis.fetch(input, init),
      managerOf === undefined ? manager : ({ headers }) => managerOf(headers.get('x-user') ?? ''),
      { origins: apiOrigin, ...(headerName === undefined ? {} : { headerName }) },
    );
    return {
      async request(req) {
        const headers = new Headers(req.headers);
        if (req.json !== undefined) headers.set('content-type', 'application/json');
        if (req.user !== undefined) headers.set('x-user', req.user);
        // fetch has no timeout option of its own: a timeout is a signal, as fetch users write it.
        const signals = [
          ...(req.signal === undefined ? [] : [req.signal]),
          ...(req.timeoutMs === undefined ? [] : [AbortSignal.timeout(req.timeoutMs)]),
        ];
        // fetch resolves for every HTTP status; only tokenrelay errors, aborts and network errors reject.
        // `bareCalls`: a request with nothing of its own is sent as `fetch(url)`, with no init at all.
        const plain =
          bareCalls &&
          (req.method ?? 'GET') === 'GET' &&
          [...headers].length === 0 &&
          signals.length === 0 &&
          req.optOut !== true;
        const response = plain
          ? await api(req.url)
          : await api(req.url, {
              method: req.method ?? 'GET',
              headers,
              ...(req.json === undefined ? {} : { body: JSON.stringify(req.json) }),
              ...(signals.length === 0 ? {} : { signal: AbortSignal.any(signals) }),
              ...(req.optOut ? { tokenRelay: false } : {}),
            });
        return { status: response.status, body: await readBody(response) };
      },
      unwrapError: (error) => error,
      isTimeoutError: (error) => (error as { name?: unknown } | null)?.name === 'TimeoutError',
    };
  },
  skip: {
    'client-retry':
      'fetch has no retry of its own; a retry wrapper around the wrapped fetch issues new calls',
    'derived-clients':
      'fetch has no base URL: `origins` is required when wrapping, and a request names its full URL',
  },
});

export const adapter: ConformanceAdapter = adapterFor(false);
