/** Starts the example on 127.0.0.1 and prints its address; open it in two tabs. Ctrl+C stops it. */
import { startBrowserApp } from './server.ts';

const app = await startBrowserApp({ accessTokenTtlMs: 10_000 });
console.log(
  `Open ${app.pageUrl}?tab=A and ${app.pageUrl}?tab=B, sign in in one, then send requests from both.`,
);
console.log('Access tokens live 10 s; watch "token calls by this tab": one tab refreshes per expiry.');
process.once('SIGINT', () => void app.close().then(() => process.exit(0)));
