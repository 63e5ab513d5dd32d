/**
 * The error axios gives a request whose `timeout` ran out, for a request whose time ran out while it waited for a
 * token: what `axios.isAxiosError` and code checks recognise (`ECONNABORTED`, or `ETIMEDOUT` with
 * `transitional.clarifyTimeoutError`), with the wait's error as `cause`. Built here because the adapter does not
 * import axios at runtime (the instance may come from any copy of it).
 */
export class AxiosWaitTimeoutError extends Error {
  override readonly name = 'AxiosError';
  readonly isAxiosError = true;
  readonly code: 'ECONNABORTED' | 'ETIMEDOUT';
  declare readonly config: unknown;

  constructor(
    config: { timeout?: unknown; transitional?: { clarifyTimeoutError?: boolean } },
    cause: unknown,
  ) {
    super(`timeout of ${String(config.timeout)}ms exceeded`, { cause });
    this.code = config.transitional?.clarifyTimeoutError === true ? 'ETIMEDOUT' : 'ECONNABORTED';
    // Like AxiosError's own `config`; hidden so that loggers do not copy it.
    Object.defineProperty(this, 'config', { value: config, enumerable: false });
  }

  toJSON(): { name: string; message: string; code: string } {
    return { name: this.name, message: this.message, code: this.code };
  }
}
