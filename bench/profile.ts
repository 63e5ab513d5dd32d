/**
 * Where the microseconds go: CPU profiles of the steady-state variants, one process per variant, and a summary.
 *
 *   pnpm exec node bench/profile.ts [client ...]      # default: axios got ky fetch
 *
 * For each client and each variant (bare, floor, tokenrelay) a child process runs with `--cpu-prof`: it warms up,
 * then sends `PROFILE_REQUESTS` (default 4000) sequential requests of that variant alone to the steady-state server
 * (server.ts; the bench token, not a secret, goes to the child on its command line). The summary per variant: profiled CPU per request, and self time per request grouped by where the
 * code lives (tokenrelay's packages, the client library, undici, Node internals, GC, ...), plus the heaviest
 * tokenrelay functions. The .cpuprofile files stay in `.tmp/profiles/` (open them in Chrome DevTools).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CLIENT_NAMES, type ClientName, isClientName, subjects } from './clients.ts';
import { startBenchServer } from './server.ts';

const ROLE_FLAG = '--tokenrelay-bench-profile';
const TOKEN = [
  Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url'),
  Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 86_400, sub: 'bench' })).toString(
    'base64url',
  ),
  'bench',
].join('.');

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly hitCount?: number;
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const category = (frame: CallFrame): string => {
  const { url, functionName } = frame;
  if (url === '') {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)' || functionName === '(program)') return functionName;
    return 'native';
  }
  const tokenrelay = /\/packages\/(core|axios|got|ky|fetch)\//.exec(url);
  if (tokenrelay) return `tokenrelay ${tokenrelay[1]}`;
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:internal/deps/undici')) return 'undici (node)';
  if (url.startsWith('node:')) return 'node internals';
  if (url.includes('/bench/')) return 'bench';
  return 'other';
};

/** Self time (µs) per category and per tokenrelay function, over the whole profile. */
function summarize(profile: CpuProfile): {
  totalUs: number;
  byCategory: Map<string, number>;
  tokenrelayFunctions: Map<string, number>;
} {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byCategory = new Map<string, number>();
  const tokenrelayFunctions = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of self) {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) continue;
    const key = category(frame);
    if (key === '(idle)') continue;
    totalUs += us;
    byCategory.set(key, (byCategory.get(key) ?? 0) + us);
    if (key.startsWith('tokenrelay')) {
      const where = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/packages\//, '')}:${frame.lineNumber + 1}`;
      tokenrelayFunctions.set(where, (tokenrelayFunctions.get(where) ?? 0) + us);
    }
  }
  return { totalUs, byCategory, tokenrelayFunctions };
}

/** Runs in the child: one variant, sequential requests, then exit (Node writes the profile). */
async function child(
  client: ClientName,
  variant: string,
  origin: string,
  token: string,
  requests: number,
): Promise<void> {
  const subject = await subjects[client]({ origin, token, concurrency: 4 });
  const call = subject.variants.find((v) => v.name === variant)?.call;
  if (call === undefined) throw new Error(`${client} has no ${variant} variant`);
  for (let i = 0; i < 500; i++) await call();
  for (let i = 0; i < requests; i++) await call();
  subject.close();
}

if (process.argv.includes(ROLE_FLAG)) {
  const [client = '', variant = '', origin = '', token = '', requests = '0'] = process.argv.slice(
    process.argv.indexOf(ROLE_FLAG) + 1,
  );
  if (!isClientName(client)) throw new Error(`unknown client ${client}`);
  await child(client, variant, origin, token, Number(requests));
  process.exit(0);
} else {
  const requests = Number(process.env.PROFILE_REQUESTS ?? 4000);
  const clients = process.argv.slice(2).filter(isClientName);
  const dir = fileURLToPath(new URL('../.tmp/profiles/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const server = await startBenchServer(TOKEN);
  try {
    for (const client of clients.length > 0 ? clients : CLIENT_NAMES) {
      const perRequest = new Map<string, ReturnType<typeof summarize>>();
      for (const variant of ['bare', 'floor', 'tokenrelay']) {
        const out = `${dir}${client}-${variant}/`;
        rmSync(out, { recursive: true, force: true });
        const proc = fork(
          fileURLToPath(import.meta.url),
          [ROLE_FLAG, client, variant, server.origin, TOKEN, String(requests)],
          {
            execArgv: ['--cpu-prof', `--cpu-prof-dir=${out}`, '--cpu-prof-interval=100'],
            stdio: 'inherit',
          },
        );
        const timer = setTimeout(() => proc.kill(), 120_000);
        await once(proc, 'exit');
        clearTimeout(timer);
        const file = readdirSync(out).find((name) => name.endsWith('.cpuprofile'));
        if (file === undefined) throw new Error(`no profile for ${client} ${variant}`);
        perRequest.set(variant, summarize(JSON.parse(readFileSync(`${out}${file}`, 'utf8')) as CpuProfile));
      }
      const total = requests + 500;
      const bare = perRequest.get('bare')!;
      console.log(`\n== ${client}: profiled CPU per request (µs), ${total} requests per variant`);
      const categories = new Set([...perRequest.values()].flatMap((s) => [...s.byCategory.keys()]));
      const rows = [...categories]
        .map((key) => ({
          key,
          values: ['bare', 'floor', 'tokenrelay'].map(
            (v) => (perRequest.get(v)!.byCategory.get(key) ?? 0) / total,
          ),
        }))
        .sort((a, b) => b.values[2]! - a.values[2]!);
      console.log(
        `${'where'.padEnd(28)} ${'bare'.padStart(8)} ${'floor'.padStart(8)} ${'tokenrelay'.padStart(10)}`,
      );
      for (const row of rows.filter((r) => r.values.some((v) => v >= 0.5))) {
        console.log(
          `${row.key.padEnd(28)} ${row.values.map((v, i) => v.toFixed(1).padStart(i === 2 ? 10 : 8)).join(' ')}`,
        );
      }
      console.log(
        `${'total'.padEnd(28)} ${['bare', 'floor', 'tokenrelay']
          .map((v, i) => (perRequest.get(v)!.totalUs / total).toFixed(1).padStart(i === 2 ? 10 : 8))
          .join(' ')}   (bare ${(bare.totalUs / total).toFixed(1)})`,
      );
      const top = [...perRequest.get('tokenrelay')!.tokenrelayFunctions.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8);
      console.log('heaviest tokenrelay functions (self µs/request):');
      for (const [where, us] of top) console.log(`  ${(us / total).toFixed(2).padStart(6)}  ${where}`);
    }
  } finally {
    await server.close();
  }
}
