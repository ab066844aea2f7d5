/**
 * Profiles the hub under one S2-style broadcast load: `node --import tsx bench/profile-hub.ts [--subscribers
 * 1000] [--count 2000] [--bytes 64] [--in-flight 4] [--rate 10] [--cli dist/cli/main.js]`. Runs `hotline serve --log
 * memory` under `node --cpu-prof`, loads it with {@link runLoad}, stops it with SIGINT so the profile is
 * written, and prints the load result and the functions with the most self time (the evidence quoted in
 * BENCHMARKS.md). Open the `.cpuprofile` in Chrome DevTools or speedscope for the flame graph.
 * @module
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runLoad } from '../src/cli/bench/index.js';
import { mintToken } from '../src/cli/token.js';
import { freePort } from './peers/peer.js';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '1000' },
    count: { type: 'string', default: '2000' },
    bytes: { type: 'string', default: '64' },
    'in-flight': { type: 'string', default: '4' },
    // Publishes per second (S3's paced load) instead of as fast as the hub answers.
    rate: { type: 'string' },
    cli: { type: 'string', default: 'dist/cli/main.js' },
    top: { type: 'string', default: '20' },
  },
});

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function, as a share of all samples (idle included, so the idle share shows the slack). */
function selfTimes(profile: CpuProfile, top: number): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    all += dt;
    const frame = byId.get(id)?.callFrame;
    const where = frame?.url ? ` ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}` : '';
    const key = `${frame?.functionName || '(anonymous)'}${where}`;
    totals.set(key, (totals.get(key) ?? 0) + dt);
  });
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, t]) => `${((100 * t) / all).toFixed(1).padStart(5)}%  ${key}`);
}

const dir = await mkdtemp(join(tmpdir(), 'hotline-profile-'));
const secret = 'profile-secret-long-enough-for-hs256';
const port = await freePort();
const hub = spawn(
  process.execPath,
  [
    '--cpu-prof',
    `--cpu-prof-dir=${dir}`,
    values.cli,
    'serve',
    ...['--port', String(port), '--log', 'memory', '--allow-anonymous', '--publisher-jwt-secret', secret],
    ...['--max-connections', '20000', '--no-dashboard', '--log-level', 'warn', '--drain-window-ms', '0'],
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
await new Promise((resolve) => hub.stdout.once('data', resolve));
hub.stdout.resume();
const result = await runLoad({
  subscribe: { host: '127.0.0.1', port, path: '/.well-known/mercure?topic=t' },
  subscribers: Number(values.subscribers),
  publish: {
    shape: { kind: 'mercure', topic: 't', jwt: await mintToken({ secret, publish: ['*'] }) },
    count: Number(values.count),
    inFlight: Number(values['in-flight']),
    payloadBytes: Number(values.bytes),
    ...(values.rate === undefined ? {} : { ratePerSecond: Number(values.rate) }),
  },
  serverPid: hub.pid!,
});
hub.kill('SIGINT');
await once(hub, 'exit');
console.log(
  `${result.deliveriesPerSecond} deliveries/s, ${result.server?.cpuMicrosPerDelivery} µs CPU/delivery, ` +
    `lost ${result.frames.lost}, p99 ${result.latency.p99Ms} ms`,
);
const file = (await readdir(dir)).find((name) => name.endsWith('.cpuprofile'));
if (file === undefined) throw new Error(`no profile written in ${dir}`);
console.log(`profile: ${join(dir, file)}\nself time:`);
const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
console.log(selfTimes(profile, Number(values.top)).join('\n'));
