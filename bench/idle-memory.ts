/**
 * `npm run bench:idle-memory [-- --subscribers 10000] [--modes takeover,node-http] [--settle-ms 3000]`:
 * what one idle subscriber costs a hub. For each mode, a fresh `hotline serve --log memory` (the compiled
 * CLI, as `npm run bench` runs it) gets N idle streams from the load generator's worker processes (8,000
 * connections each, under the 20,000 file limit), then the hub's RSS (from /proc) and V8 heap (its own
 * /metrics, after the settle time) are read before and after, per subscriber.
 *
 * Modes: `takeover` is the hub as shipped (HTTP/1.1 streams leave node:http after their head,
 * src/server/adapters/node-takeover.ts); `node-http` starts the same CLI with takeover switched off through
 * `--import`, i.e. every stream kept on node:http's request/response objects — the behaviour before it.
 * @module
 */

import { parseArgs } from 'node:util';
import { runLoad } from '../src/cli/bench/run-load.js';
import { preloaded, startHotline, TAKEOVER_OFF_NODE_ARGS } from './peers/hotline.js';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '10000' },
    modes: { type: 'string', default: 'takeover,node-http' },
    'settle-ms': { type: 'string', default: '3000' },
  },
});
const subscribers = Number(values.subscribers);
const settleMs = Number(values['settle-ms']);
const modes = values.modes.split(',') as Mode[];
type Mode = 'takeover' | 'node-http';

/** Lets the benchmark ask the hub for a full GC before it reads the heap (SIGUSR2 is unused by node). */
const GC_ON_SIGNAL = preloaded(`process.on('SIGUSR2',()=>globalThis.gc?.());`);

type Hub = Awaited<ReturnType<typeof startHub>>;

async function startHub(mode: Mode) {
  const nodeArgs = ['--expose-gc', '--import', GC_ON_SIGNAL, ...(mode === 'node-http' ? TAKEOVER_OFF_NODE_ARGS : [])];
  const peer = await startHotline('memory', { nodeArgs });
  return { port: Number(new URL(peer.url).port), pid: peer.pid, stop: peer.stop };
}

/** The hub's V8 heap in use after a full GC, from its own Prometheus metrics (prom-client's defaults). */
async function heapUsed(hub: Hub): Promise<number> {
  process.kill(hub.pid, 'SIGUSR2');
  await new Promise((r) => setTimeout(r, 300));
  const port = hub.port;
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const match = /^nodejs_heap_size_used_bytes (\d+(?:\.\d+)?)/m.exec(text);
  if (match === null) throw new Error('the hub reports no nodejs_heap_size_used_bytes');
  return Number(match[1]);
}

const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

console.log(`idle memory: ${subscribers} subscribers per mode, settle ${settleMs} ms (machine shared: indicative)`);
console.log('| mode | connected | RSS before MiB | RSS idle MiB | RSS/subscriber KB | heap/subscriber KB |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const mode of modes) {
  const hub = await startHub(mode);
  try {
    // Wait for the hub to settle after start before the baseline.
    await new Promise((r) => setTimeout(r, 1000));
    const heapBefore = await heapUsed(hub);
    let heapIdle = 0;
    const result = await runLoad({
      subscribe: { host: '127.0.0.1', port: hub.port, path: '/.well-known/mercure?topic=t{topic}' },
      subscribers,
      serverPid: hub.pid,
      settleMs,
      onProgress(progress) {
        // Sampled once, while every subscriber is connected and idle (the settle phase).
        if (progress.phase === 'connecting' && progress.connected > 0 && heapIdle === 0) {
          heapIdle = -1;
          setTimeout(() => {
            heapUsed(hub).then(
              (bytes) => {
                heapIdle = bytes;
              },
              () => {},
            );
          }, settleMs / 2);
        }
      },
    });
    const server = result.server;
    const connected = result.subscribers.connected;
    const heapPer = heapIdle > 0 && connected > 0 ? (heapIdle - heapBefore) / connected : Number.NaN;
    console.log(
      `| ${mode} | ${connected} | ${mib(server?.rssBeforeBytes ?? 0)} | ${mib(server?.rssIdleBytes ?? 0)} | ${kb(server?.rssPerSubscriberBytes ?? 0)} | ${kb(heapPer)} |`,
    );
    if (result.subscribers.failed > 0)
      console.log(`  ${result.subscribers.failed} failed: ${result.subscribers.errors[0]}`);
  } finally {
    await hub.stop();
  }
}
