/**
 * State on subscribe, measured: how long a fresh subscriber waits for its state (until a marker published
 * right after its response headers arrives — live updates wait behind the state), and the longest the
 * hub's event loop stalled meanwhile, for ordinary and hostile requests over a full history.
 *
 *   npm run bench:state -- [--log memory|sqlite|redis|nats] [--updates 10000]
 *
 * Each case subscribes to its selectors plus `/marker` with one `state` request. Numbers go to stdout; see
 * docs/state-on-subscribe.md for what was measured on the reference machine.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createHub } from '../src/hub/hub.js';
import { createMemoryLog } from '../src/hub/log/memory.js';
import { createNatsLog } from '../src/hub/log/nats.js';
import { createRedisLog } from '../src/hub/log/redis.js';
import { createSqliteLog } from '../src/hub/log/sqlite.js';
import { subscribe } from '../test/fixtures/hub.js';

const { values } = parseArgs({
  options: { log: { type: 'string', default: 'memory' }, updates: { type: 'string', default: '10000' } },
});
const updates = Number(values.updates);
const dir = mkdtempSync(join(tmpdir(), 'hotline-bench-state-'));
const name = `hotline_bench_state_${process.pid}`;
const log =
  values.log === 'sqlite'
    ? createSqliteLog(join(dir, 'log.db'), { maxEvents: updates })
    : values.log === 'redis'
      ? await createRedisLog(process.env.HOTLINE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', {
          prefix: name,
          maxEvents: updates,
        })
      : values.log === 'nats'
        ? await createNatsLog(process.env.HOTLINE_TEST_NATS_URL ?? 'nats://127.0.0.1:4222', {
            stream: name,
            maxEvents: updates,
          })
        : createMemoryLog({ maxEvents: updates });

const hub = await createHub({ log, allowAnonymous: true, publisherKey: { secret: 'x'.repeat(32) }, heartbeatMs: 0 });
const { port } = await hub.listen(0, '127.0.0.1');
const endpoint = `http://127.0.0.1:${port}/.well-known/mercure`;

const hostile = Array.from({ length: 64 }, (_, i) => `/p${i}${[...'abcdefg'].map((n) => `{&${n}*}`).join('')}`);
const cases: [string, string[], string[]][] = [
  ['no state (the baseline: a plain subscribe)', ['/stocks/{s}'], []],
  ['latest, 1 template (/stocks/{s}): scans everything', ['/stocks/{s}'], ['latest']],
  [
    'latest, 5 exact topics: stops early',
    ['/stocks/S0', '/stocks/S1', '/stocks/S2', '/stocks/S3', '/stocks/S4'],
    ['latest'],
  ],
  ['last:100 on /news', ['/news'], ['last:100']],
  ['the demo page (latest + last:10@/news)', ['/stocks/{s}', '/matches/{id}', '/news'], ['latest', 'last:10@/news']],
  ['64 hostile templates, latest, nothing matches', hostile, ['latest']],
];

console.log(`state on subscribe, ${values.log} log, ${updates} updates in history (median of 5 after a warm-up)`);
let markers = 0;
async function measure(selectors: string[], state: string[]) {
  const marker = `/marker/${markers++}`;
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const started = performance.now();
  // The marker gets no state of its own: a plain value applies to each measured selector by name (an
  // exact topic never published would keep `latest` looking through all of history).
  const own = new Set(state.filter((value) => value.includes('@')).map((value) => value.slice(value.indexOf('@') + 1)));
  const named = state.flatMap((value) =>
    value.includes('@') ? [value] : selectors.filter((s) => !own.has(s)).map((s) => `${value}@${s}`),
  );
  const reader = await subscribe(endpoint, [...selectors, marker], { query: { state: named } });
  if (reader.response.status !== 200) throw new Error(`${reader.response.status}`);
  await hub.publish({ topics: marker, data: 'marker' });
  let events = 0;
  while ((await reader.next(60_000)).data !== 'marker') events++;
  const ms = performance.now() - started;
  delay.disable();
  reader.close();
  return { events, ms, stallMs: delay.max / 1e6 };
}
try {
  // A demo-like history: 5 tickers and 2 matches every tick, a headline every 4 ticks.
  for (let i = 0; i < updates; i++) {
    const topic = i % 29 === 0 ? '/news' : i % 7 < 5 ? `/stocks/S${i % 7}` : `/matches/m${i % 7}`;
    await log.append({ id: `u${i}`, topics: [topic], data: `{"i":${i}}`, private: false, publishedAt: Date.now() });
  }
  for (const [name, selectors, state] of cases) {
    await measure(selectors, state);
    const runs = [];
    for (let i = 0; i < 5; i++) runs.push(await measure(selectors, state));
    const median = (values: number[]) => values.sort((a, b) => a - b)[2]!;
    console.log(
      `  ${name}: ${runs[0]!.events} state updates in ${median(runs.map((r) => r.ms)).toFixed(1)} ms; ` +
        `longest event-loop stall ${median(runs.map((r) => r.stallMs)).toFixed(1)} ms`,
    );
  }
} finally {
  await hub.close();
  await dropEngineData();
  await log.close();
  rmSync(dir, { recursive: true, force: true });
}

/** Deletes what this run stored in Redis or NATS. */
async function dropEngineData(): Promise<void> {
  if (values.log === 'redis') {
    const { Redis } = await import('ioredis');
    const redis = new Redis(process.env.HOTLINE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
    await redis.del(`{${name}}:stream`, `{${name}}:seq`, `{${name}}:ids`);
    await redis.quit();
  } else if (values.log === 'nats') {
    const { connect } = await import('@nats-io/transport-node');
    const { jetstreamManager } = await import('@nats-io/jetstream');
    const nc = await connect({ servers: process.env.HOTLINE_TEST_NATS_URL ?? 'nats://127.0.0.1:4222' });
    await (await jetstreamManager(nc)).streams.delete(name).catch(() => undefined);
    await nc.close();
  }
}
