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

/** The fetch adapter as the shared suites drive it (conformance over msw, integration against oidc-provider). */
export const adapter: ConformanceAdapter = {
  name: `fetch (Node ${process.versions.node}, undici ${process.versions.undici})`,
  makeClient({ manager, apiOrigin }) {
    // The global fetch as msw patched it, looked up per call.
    const api = withTokenRefresh((input, init) => globalThis.fetch(input, init), manager, {
      origins: apiOrigin,
    });
    return {
      async request(req) {
        // fetch resolves for every HTTP status; only tokenrelay errors, aborts and network errors reject.
        const response = await api(req.url, {
          method: req.method ?? 'GET',
          ...(req.json === undefined
            ? {}
            : { body: JSON.stringify(req.json), headers: { 'content-type': 'application/json' } }),
          ...(req.signal === undefined ? {} : { signal: req.signal }),
          ...(req.optOut ? { tokenRefresh: false } : {}),
        });
        return { status: response.status, body: await readBody(response) };
      },
      unwrapError: (error) => error,
    };
  },
  skip: {
    'client-retry':
      'fetch has no retry of its own; a retry wrapper around the wrapped fetch issues new calls',
  },
};
