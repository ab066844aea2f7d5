/**
 * `npm run bench:slices [-- --runs 'S2 1k×2000 64 B if1,S3 1k @ 10/s'] [--slices 2,1,0.5] [--repeat 2]`:
 * the flush slice length (`hotline serve --flush-slice-ms`) against nchan, on runs of the full benchmark
 * picked by label. Each repetition runs nchan, then the hub once per slice length, each started afresh, so
 * the ratios of one repetition share the machine's state. Prints one line per run and writes
 * `bench/results/slices.json`. This is the measurement behind `SLICE_MS` (src/server/flush-queue.ts).
 * @module
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { runLoad } from '../src/cli/bench/index.js';
import { loadOptions, scenarios } from './suite/scenarios.js';
import { type StartedSystem, SYSTEMS, startHotlineSystem } from './suite/systems.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: 'S2 1k×2000 64 B if1,S2 1k×2000 4 KB if1,S3 1k @ 10/s' },
    slices: { type: 'string', default: '2,1,0.5' },
    repeat: { type: 'string', default: '2' },
  },
});

const specs = values.runs.split(',').map((label) => {
  const spec = scenarios(false).find((s) => s.label === label);
  if (spec === undefined) throw new Error(`no run labelled ${JSON.stringify(label)} in bench/suite/scenarios.ts`);
  return spec;
});

const NCHAN = SYSTEMS.find((system) => system.name === 'nchan')!;

function start(variant: string): Promise<StartedSystem> {
  return variant === 'nchan'
    ? NCHAN.start()
    : startHotlineSystem('memory', { extraArgs: ['--flush-slice-ms', variant] });
}

const rows: Record<string, unknown>[] = [];
const variants = ['nchan', ...values.slices.split(',')];
for (let repetition = 1; repetition <= Number(values.repeat); repetition++) {
  for (const spec of specs) {
    let reference: number | undefined;
    for (const variant of variants) {
      const system = await start(variant);
      try {
        const r = await runLoad(loadOptions(spec, system));
        // A run with no latency samples has no p99: NaN keeps the row (and says so) instead of failing.
        const headline = (spec.scenario === 'S3' ? r.latency.p99Ms : r.deliveriesPerSecond) ?? Number.NaN;
        if (variant === 'nchan') reference = headline;
        const row = {
          repetition,
          run: spec.label,
          system: variant === 'nchan' ? 'nchan' : `hotline --flush-slice-ms ${variant}`,
          deliveriesPerSecond: r.deliveriesPerSecond,
          ratioToNchan: reference === undefined ? undefined : Math.round((100 * headline) / reference) / 100,
          cpuMicrosPerDelivery: r.server?.cpuMicrosPerDelivery,
          p50Ms: r.latency.p50Ms,
          p99Ms: r.latency.p99Ms,
          lost: r.frames.lost,
          peakRssMiB: r.server ? Math.round(r.server.rssPeakBytes / 2 ** 20) : undefined,
        };
        rows.push(row);
        console.log(
          `${repetition} ${spec.label.padEnd(22)} ${row.system.padEnd(26)} ${spec.scenario === 'S3' ? 'p99' : 'deliveries/s'} ` +
            `${headline.toLocaleString('en-US')} (${row.ratioToNchan}× nchan), CPU ${row.cpuMicrosPerDelivery} µs/delivery, ` +
            `p50/p99 ${row.p50Ms}/${row.p99Ms} ms, lost ${row.lost}`,
        );
      } finally {
        await system.stop();
      }
    }
  }
}
await writeFile('bench/results/slices.json', `${JSON.stringify({ date: new Date().toISOString(), rows }, null, 2)}\n`);
console.log('wrote bench/results/slices.json');
