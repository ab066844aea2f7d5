/**
 * `npm run bench:server` — Hotline's channel vs better-sse doing the same broadcast, measured in the same
 * run with the same subscriber processes. Prints a table and writes bench/results/server.json.
 * `-- --quick` runs the small scenarios only (< 1 minute).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const quick = process.argv.includes('--quick');
const PER_WORKER = 5000;
const systems = ['hotline', 'better-sse'] as const;
const scenarios = quick
  ? [{ subscribers: 1000, size: 64, count: 1000 }]
  : [
      { subscribers: 1000, size: 64, count: 2000 },
      { subscribers: 1000, size: 4096, count: 500 },
      { subscribers: 10_000, size: 64, count: 200 },
      { subscribers: 10_000, size: 4096, count: 50 },
    ];
const BATCH = 10;

function once<T>(child: ChildProcess, predicate: (m: T) => boolean): Promise<T> {
  return new Promise((resolve) => {
    const listener = (message: T) => {
      if (!predicate(message)) return;
      child.off('message', listener);
      resolve(message);
    };
    child.on('message', listener);
  });
}

function rssOf(pid: number): number {
  // Resident memory from /proc, as the kernel sees the process (heap, buffers, native memory).
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(system: string, scenario: (typeof scenarios)[number]) {
  const target = fork(new URL('./target.ts', import.meta.url).pathname, [system], { execArgv: ['--import', 'tsx'] });
  const { port } = await once<{ port: number }>(target, (m) => 'port' in m);
  const base = `http://127.0.0.1:${port}`;
  await new Promise((r) => setTimeout(r, 300));
  const rssBefore = rssOf(target.pid!);
  const workers = Array.from({ length: Math.ceil(scenario.subscribers / PER_WORKER) }, () =>
    fork(new URL('./subscribers.ts', import.meta.url).pathname, [], { execArgv: ['--import', 'tsx'] }),
  );
  let remaining = scenario.subscribers;
  const perWorker = workers.map(() => {
    const n = Math.min(PER_WORKER, remaining);
    remaining -= n;
    return n;
  });
  await Promise.all(
    workers.map((w, i) => {
      const connected = once<{ connected: number }>(w, (m) => 'connected' in m);
      w.send({ port, connections: perWorker[i], expected: 0 });
      return connected;
    }),
  );
  for (;;) {
    const stats = (await (await fetch(`${base}/stats`)).json()) as { subscribers: number };
    if (stats.subscribers >= scenario.subscribers) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 500));
  const rssConnected = rssOf(target.pid!);
  const done = workers.map((w, i) => {
    const finished = once<{ done: true; latencies: number[] }>(w, (m) => 'done' in m);
    w.send({ expect: perWorker[i]! * scenario.count });
    return finished;
  });
  const started = performance.now();
  const run = fetch(`${base}/run?count=${scenario.count}&size=${scenario.size}&batch=${BATCH}`, {
    method: 'POST',
  }).then((r) => r.json() as Promise<{ ms: number; cpuUs: number }>);
  const results = await Promise.race([
    Promise.all(done),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${system}: timed out`)), 120_000)),
  ]);
  const elapsedMs = performance.now() - started;
  const serverRun = await run;
  for (const w of workers) w.send({ stop: true });
  target.kill();
  const deliveries = scenario.subscribers * scenario.count;
  const latencies = results
    .flatMap((r) => r.latencies)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  return {
    system,
    ...scenario,
    deliveriesPerSec: deliveries / (elapsedMs / 1000),
    cpuUsPerDelivery: serverRun.cpuUs / deliveries,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    rssPerSubscriberKiB: (rssConnected - rssBefore) / scenario.subscribers / 1024,
  };
}

const rows = [];
for (const scenario of scenarios) {
  for (const system of systems) {
    const row = await measure(system, scenario);
    rows.push(row);
    console.error(
      `${system} ${scenario.subscribers} subs × ${scenario.count} × ${scenario.size} B: ${Math.round(row.deliveriesPerSec)} deliveries/s`,
    );
  }
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'n/a';
const lines = [
  '| subscribers | event size | system | deliveries/s | server CPU µs/delivery | p50 ms | p99 ms | RSS/subscriber KiB | ratio (deliveries/s) |',
  '|---:|---:|---|---:|---:|---:|---:|---:|---:|',
];
for (let i = 0; i < rows.length; i += 2) {
  const [ours, peer] = [rows[i]!, rows[i + 1]!];
  for (const row of [ours, peer]) {
    lines.push(
      `| ${fmt(row.subscribers)} | ${row.size} B | ${row.system} | ${fmt(row.deliveriesPerSec)} | ${fmt(row.cpuUsPerDelivery, 2)} | ${fmt(row.p50Ms)} | ${fmt(row.p99Ms)} | ${fmt(row.rssPerSubscriberKiB, 1)} | ${row === ours ? `${fmt(ours.deliveriesPerSec / peer.deliveriesPerSec, 2)}×` : ''} |`,
    );
  }
}
console.log(lines.join('\n'));
writeFileSync(
  new URL('../results/server.json', import.meta.url),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, batchPerTurn: BATCH, rows }, null, 2)}\n`,
);
