/**
 * `npm run bench [-- --quick] [--systems nchan,hotline-memory] [--scenarios S1,S2] [--runs 'S2 10k×200 64 B']`: starts every system
 * afresh for every run of scenarios S1–S5 (issue H), loads it with the same {@link runLoad} options, writes
 * `bench/results/<date>.json` (`<date>-quick.json` with `--quick`) and regenerates BENCHMARKS.md and its
 * charts from it (a quick run only with `--report`, so it never replaces the full report by accident).
 * @module
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { runLoad } from '../src/cli/bench/index.js';
import { HOTLINE_CLI } from './peers/hotline.js';
import { ensureNchan, NCHAN_MODULE } from './peers/nchan.js';
import { writeReport } from './report.js';
import { describeMachine } from './suite/machine.js';
import type { BenchResults, RunRecord } from './suite/results.js';
import { loadOptions, type ScenarioId, scenarios } from './suite/scenarios.js';
import { SYSTEMS, takesPart } from './suite/systems.js';
import { summaryLine } from './suite/tables.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    systems: { type: 'string' },
    scenarios: { type: 'string' },
    // Labels (or label prefixes) of single runs, comma-separated: `--runs 'S2 10k×200 64 B'`.
    runs: { type: 'string' },
    report: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});

const started = Date.now();
if (!existsSync(HOTLINE_CLI)) throw new Error(`${HOTLINE_CLI} is missing: run \`npm run build\` (npm run bench does)`);
const wantedSystems = values.systems?.split(',');
const systems = SYSTEMS.filter((s) => wantedSystems === undefined || wantedSystems.includes(s.name));
if (systems.some((s) => s.name.startsWith('nchan')) && !existsSync(NCHAN_MODULE)) {
  console.error('installing nginx + libnginx-mod-nchan (scripts/install-nchan.sh)…');
  await ensureNchan();
}
const wantedScenarios = values.scenarios?.split(',') as ScenarioId[] | undefined;
const wantedRuns = values.runs?.split(',');
const specs = scenarios(values.quick).filter(
  (s) =>
    (wantedScenarios === undefined || wantedScenarios.includes(s.scenario)) &&
    (wantedRuns === undefined || wantedRuns.some((prefix) => s.label.startsWith(prefix))),
);
const machine = describeMachine();
console.error(
  `${specs.length} runs × ${systems.length} systems on ${machine.cpu} (${machine.cores} cores), node ${machine.node}`,
);

const runs: RunRecord[] = [];
for (const spec of specs) {
  // Systems take turns within each run spec, so drift in the machine's speed spreads over all of them.
  for (const system of systems.filter((s) => takesPart(s, spec))) {
    const record: RunRecord = { spec, system: system.name };
    let stop: (() => Promise<void>) | undefined;
    try {
      const target = await system.start();
      stop = target.stop;
      record.result = await runLoad(loadOptions(spec, target));
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
    } finally {
      await stop?.();
    }
    runs.push(record);
    console.error(summaryLine(record));
  }
}

const date = new Date().toISOString().slice(0, 10);
const results: BenchResults = {
  date,
  quick: values.quick,
  durationSeconds: Math.round((Date.now() - started) / 1000),
  command: `npm run bench${values.quick ? ' -- --quick' : ''}`,
  machine,
  systems: systems.map((s) => ({ name: s.name, description: s.description, command: s.command })),
  runs,
};
const out = values.out ?? `bench/results/${date}${values.quick ? '-quick' : ''}.json`;
await mkdir('bench/results', { recursive: true });
await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
console.error(`wrote ${out} (${results.durationSeconds} s)`);
if (!values.quick || values.report) {
  const written = await writeReport(results, out);
  console.error(`wrote ${written.join(', ')}`);
}
