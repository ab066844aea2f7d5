/**
 * A first side-by-side run of the peers with the same load client:
 * `node --import tsx bench/load/compare.ts [--subscribers 1000,5000] [--updates 200] [--bytes 64] [--in-flight 1]
 * [--peers nchan,better-sse] [--out file.json]`. Prints one line per run and the full results as JSON.
 * The hub joins when `npm run bench` exists (issue H); every target gets the same {@link runLoad} options.
 * @module
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startBetterSse } from '../peers/better-sse.js';
import { startNchan } from '../peers/nchan.js';
import type { Peer } from '../peers/peer.js';
import type { PublishShape } from './publisher.js';
import { type LoadResult, runLoad } from './run-load.js';

interface Target {
  name: string;
  start: () => Promise<Peer>;
  path: string;
  shape: PublishShape;
}

const TARGETS: Target[] = [
  { name: 'nchan', start: startNchan, path: '/sub/bench', shape: { kind: 'nchan', channel: 'bench' } },
  { name: 'better-sse', start: startBetterSse, path: '/sub', shape: { kind: 'json', path: '/publish' } },
];

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '1000,5000' },
    updates: { type: 'string', default: '200' },
    bytes: { type: 'string', default: '64' },
    'in-flight': { type: 'string', default: '1' },
    peers: { type: 'string', default: 'nchan,better-sse' },
    out: { type: 'string' },
  },
});

const wanted = new Set(values.peers.split(','));
const results: { target: string; subscribers: number; result: LoadResult }[] = [];
for (const subscribers of values.subscribers.split(',').map(Number)) {
  for (const target of TARGETS.filter((t) => wanted.has(t.name))) {
    const peer = await target.start();
    try {
      const result = await runLoad({
        subscribe: { host: '127.0.0.1', port: Number(new URL(peer.url).port), path: target.path },
        subscribers,
        publish: {
          shape: target.shape,
          count: Number(values.updates),
          payloadBytes: Number(values.bytes),
          inFlight: Number(values['in-flight']),
        },
        serverPid: peer.pid,
      });
      results.push({ target: target.name, subscribers, result });
      const s = result.server;
      console.log(
        `${target.name.padEnd(10)} ${String(subscribers).padStart(6)} subs: ${result.deliveriesPerSecond} deliveries/s, ` +
          `lost ${result.frames.lost}, p50 ${result.latency.p50Ms} ms, p99 ${result.latency.p99Ms} ms, ` +
          `p99.9 ${result.latency.p999Ms} ms, CPU ${s?.cpuMicrosPerDelivery} µs/delivery, ` +
          `RSS ${Math.round((s?.rssIdleBytes ?? 0) / 2 ** 20)} MiB idle (${s?.rssPerSubscriberBytes} B/sub), ` +
          `connect failures ${result.subscribers.failed}, client CPU ${result.clientCpuSeconds} s`,
      );
    } finally {
      await peer.stop();
    }
  }
}
const json = JSON.stringify({ machine: { node: process.version, date: new Date().toISOString() }, results }, null, 2);
if (values.out) await writeFile(values.out, `${json}\n`);
else console.log(json);
