/**
 * Writes BENCHMARKS.md and `docs/bench/*.svg` from a results file, without running anything:
 * `node --import tsx bench/report.ts bench/results/<date>.json`. `npm run bench` calls {@link writeReport}
 * at the end of a run. The hand-written analysis (profiles, before/after numbers) lives in
 * `bench/analysis.md` and is included as it is.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { LoadResult } from '../src/cli/bench/index.js';
import { renderCharts } from './suite/charts.js';
import { acrossRunsTable, variantTable } from './suite/comparisons.js';
import { type ParserRun, parserSection } from './suite/parser-table.js';
import type { BenchResults, RunRecord } from './suite/results.js';
import { SCENARIO_TITLES, type ScenarioId } from './suite/scenarios.js';
import { REFERENCE, type SystemName } from './suite/systems.js';
import { ratioToReference, scenarioTable } from './suite/tables.js';

const CHART_DIR = 'docs/bench';
const ANALYSIS = 'bench/analysis.md';
const PARSER_RESULTS = 'bench/results/parser.json';

/**
 * A target of issue N (item 6): a bound on the ratio to nchan of one metric (the scenario's headline unless
 * `metric` says otherwise), for the runs it applies to.
 */
interface Target {
  text: string;
  applies(record: RunRecord): boolean;
  metric?: (result: LoadResult) => number | undefined;
  met(ratio: number): boolean;
}

const MiB = 2 ** 20;
const s2 = (r: RunRecord, subscribers: (n: number) => boolean): boolean =>
  r.spec.scenario === 'S2' && subscribers(r.spec.subscribers) && r.spec.reconnect !== true;
const s2At10k64 = (r: RunRecord): boolean => s2(r, (n) => n >= 10_000) && r.spec.publish?.payloadBytes === 64;

const TARGETS: Target[] = [
  {
    text: 'S2 10k × 64 B, 1 and 4 in flight: ≥ 2.5× nchan deliveries/s',
    applies: s2At10k64,
    met: (ratio) => ratio >= 2.5,
  },
  {
    text: 'S2 10k × 64 B, 1 and 4 in flight: ≤ 0.4× nchan server CPU per delivery',
    applies: s2At10k64,
    metric: (r) => r.server?.cpuMicrosPerDelivery,
    met: (ratio) => ratio <= 0.4,
  },
  {
    text: 'S2 1k subscribers: ≥ 2× nchan deliveries/s',
    applies: (r) => s2(r, (n) => n <= 1000),
    met: (ratio) => ratio >= 2,
  },
  {
    // The issue measures idle memory at 15k; at 1k and 5k the per-subscriber figure also carries the
    // process's one-time growth (code compiled, heap grown) divided by fewer streams (see the S1 table).
    text: 'S1 at 15k: ≤ 1.0× nchan RSS per idle subscriber',
    applies: (r) => r.spec.scenario === 'S1' && r.spec.subscribers >= 15_000,
    met: (ratio) => ratio <= 1,
  },
  {
    text: 'S2 10k subscribers: peak RSS ≤ 1.5× nchan',
    applies: (r) => s2(r, (n) => n >= 10_000),
    metric: (r) => (r.server ? r.server.rssPeakBytes / MiB : undefined),
    met: (ratio) => ratio <= 1.5,
  },
  {
    text: "S3 1k @ 100/s and 10k @ 10/s: p99 ≤ nchan's",
    applies: (r) =>
      r.spec.scenario === 'S3' &&
      ((r.spec.subscribers === 1000 && r.spec.publish?.ratePerSecond === 100) ||
        (r.spec.subscribers === 10_000 && r.spec.publish?.ratePerSecond === 10)),
    met: (ratio) => ratio <= 1,
  },
];

/**
 * The Hotline systems judged against the targets: the hub as shipped, on both local logs. The others are
 * references or before/after rows (`--workers 2` among them: an option, compared in its own table).
 */
const JUDGED: SystemName[] = ['hotline-memory', 'hotline-sqlite'];

/** One row per target and Hotline variant: every ratio, and whether all of them meet the target. */
function targetsTable(results: BenchResults): string {
  const rows: string[] = [];
  for (const target of TARGETS) {
    for (const system of JUDGED) {
      const ratios = results.runs
        .filter((r) => r.system === system && target.applies(r))
        .map((r) => [r.spec.label, ratioToReference(r, results.runs, target.metric)] as const);
      if (ratios.length === 0) continue;
      const measured = ratios.filter((entry): entry is readonly [string, number] => entry[1] !== undefined);
      const met = measured.filter(([, ratio]) => target.met(ratio)).length;
      const verdict =
        measured.length === 0
          ? 'not measured'
          : met === measured.length
            ? '**met**'
            : `**missed** (${met}/${measured.length} runs)`;
      const list = ratios
        .map(([label, ratio]) => `${label.replace(/^S\d /, '')}: ${ratio?.toFixed(2) ?? '–'}×`)
        .join('; ');
      rows.push(`| ${target.text} | ${system} | ${list} | ${verdict} |`);
    }
  }
  rows.push(...lossTargetRows(results));
  return ['| target | system | ratio to nchan per run | verdict |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** Issue N: the multi-node runs are judged on loss, not on a ratio (nchan has no such row). */
function lossTargetRows(results: BenchResults): string[] {
  const runs = results.runs.filter((r) => r.spec.scenario === 'S6');
  if (runs.length === 0) return [];
  const systems = [...new Set(runs.map((r) => r.system))];
  return systems.map((system) => {
    const mine = runs.filter((r) => r.system === system);
    const list = mine.map(
      (r) => `${r.spec.label.replace(/^S\d /, '')}: ${r.result ? `${r.result.frames.lost} lost` : 'failed'}`,
    );
    const met = mine.every(
      (r) => r.result !== undefined && r.result.frames.lost === 0 && r.result.subscribers.failed === 0,
    );
    return `| S6 multi-node: every subscriber gets every update (0 lost) | ${system} | ${list.join('; ')} | ${met ? '**met**' : '**missed**'} |`;
  });
}

function machineSection(results: BenchResults): string {
  const m = results.machine;
  return [
    `| | |`,
    `| --- | --- |`,
    `| CPU | ${m.cpu}, ${m.cores} cores (load client and server share them) |`,
    `| memory | ${m.memoryGiB} GiB |`,
    `| kernel | ${m.kernel} |`,
    `| open files (soft/hard) | ${m.openFiles} |`,
    `| load average at start | ${m.loadAverage ?? '–'} (other work on the machine shares its cores) |`,
    `| Node.js | ${m.node} |`,
    `| nginx / nchan | ${m.nginx} / ${m.nchan} (Debian packages) |`,
    `| better-sse | ${m.betterSse} |`,
    `| Hotline | ${m.hotline}, git ${m.gitSha}${m.gitSha.endsWith('-dirty') ? ' (the tree had uncommitted changes; dist/ was built from it)' : ''} |`,
    `| date, duration | ${results.date}, ${Math.round(results.durationSeconds / 60)} min${results.quick ? ' (quick mode)' : ''} |`,
  ].join('\n');
}

/** Issue N's changes, each measured beside the hub as shipped in this run. */
const CHANGES: { title: string; text: string; before: SystemName; after: SystemName }[] = [
  {
    title: 'Flush slices (item 1)',
    text:
      'The hub (memory log) without flush slices (`--flush-slice-ms Infinity`: a fan-out holds the event loop ' +
      'until every stream is written, the behaviour before) and with them (the default, 1 ms slices). At light ' +
      'load (S3 1k @ 10/s) one update at a time must not wait longer; under load, publishes that arrive during a ' +
      'fan-out join it.',
    before: 'hotline-memory-unsliced',
    after: 'hotline-memory',
  },
  {
    title: 'Socket takeover (item 2)',
    text:
      'The hub with every stream kept on node:http (the takeover switched off by a preloaded ' +
      '`setSocketTakeover(false)`, the behaviour before) and as shipped (HTTP/1.1 sockets leave node:http after ' +
      'the head).',
    before: 'hotline-memory-node-http',
    after: 'hotline-memory',
  },
  {
    title: 'Every core: `--workers 2` (item 3)',
    text:
      'One process and two workers behind a primary that owns the log and relays each update to each worker ' +
      'once, on this 2-core machine where the load client needs the same cores.',
    before: 'hotline-memory',
    after: 'hotline-memory-w2',
  },
];

function changesSection(results: BenchResults): string[] {
  const parts: string[] = [];
  for (const change of CHANGES) {
    const table = variantTable(results.runs, change.before, change.after);
    if (table === undefined) continue;
    parts.push(`### ${change.title}`, '', change.text, '', table, '');
  }
  if (parts.length === 0) return [];
  return [
    '## Before and after each change (issue N), same run',
    '',
    "`✓`: better by more than 5 %. Differences under ~20 % are within this machine's run-to-run noise.",
    '',
    ...parts,
  ];
}

/** Another results file to set beside this one: the other of two full runs, or the code before issue N. */
export interface OtherRun {
  results: BenchResults;
  path: string;
}

const link = (path: string): string => `[\`${path}\`](${path})`;

function otherRunsSection(results: BenchResults, also?: OtherRun, before?: OtherRun): string[] {
  const parts: string[] = [];
  if (also !== undefined) {
    parts.push(
      `## The other full run (${link(also.path)}, git ${also.results.machine.gitSha})`,
      '',
      'Targets in that run:',
      '',
      targetsTable(also.results),
      '',
      'Headline ratios to nchan of the hub in both runs:',
      '',
      acrossRunsTable(also.results, results, JUDGED, ['that run', 'this run']) ?? '(no run in common)',
      '',
    );
  }
  if (before !== undefined) {
    parts.push(
      `## Before issue N (${link(before.path)}, git ${before.results.machine.gitSha}) and now`,
      '',
      "The hub's headline ratios to nchan in the last full run before issue N and in this one (each ratio " +
        "within its own run, so the machine's drift between the days cancels):",
      '',
      acrossRunsTable(before.results, results, ['hotline-memory', 'hotline-sqlite'], ['before', 'now']) ??
        '(no run in common)',
      '',
    );
  }
  return parts;
}

/** The full Markdown of BENCHMARKS.md. */
export async function renderReport(
  results: BenchResults,
  resultsPath: string,
  { also, before, parserRuns = [] }: ReportInputs = {},
): Promise<string> {
  const analysis = existsSync(ANALYSIS) ? (await readFile(ANALYSIS, 'utf8')).trim() : '';
  const scenarios = (Object.keys(SCENARIO_TITLES) as ScenarioId[]).filter((s) =>
    results.runs.some((r) => r.spec.scenario === s),
  );
  const sections = scenarios.map((s) =>
    [
      `### ${SCENARIO_TITLES[s]}`,
      '',
      `![${s}](${CHART_DIR}/${s.toLowerCase()}.svg)`,
      '',
      scenarioTable(s, results.runs),
    ].join('\n'),
  );
  return `${[
    '# Benchmarks: Hotline vs nchan and better-sse',
    '',
    '<!-- Generated by bench/report.ts from the results file named below; edit bench/analysis.md, not this file. -->',
    '',
    `Every system runs on this machine in the same invocation (\`${results.command}\`), restarted for every run, ` +
      `and is loaded by the same client (\`src/cli/bench\`, the engine of \`hotline bench\`; method in ` +
      `[docs/benchmarks-method.md](docs/benchmarks-method.md)). The machine is noisy and the load client shares ` +
      `its ${results.machine.cores} cores with the server, so compare **ratios within one run**; absolute numbers are a floor. ` +
      `Ratios are to ${REFERENCE} (C, inside nginx). Raw results: [\`${resultsPath}\`](${resultsPath}).`,
    '',
    '## Targets (issue N)',
    '',
    targetsTable(results),
    '',
    ...parserSection(parserRuns),
    ...changesSection(results),
    ...otherRunsSection(results, also, before),
    analysis,
    '',
    '## Machine and versions',
    '',
    machineSection(results),
    '',
    '## Exact commands',
    '',
    '```sh',
    `${results.command}   # node --import tsx bench/run.ts${results.quick ? ' --quick' : ''}, after npm run build`,
    `node --import tsx bench/report.ts ${resultsPath}${also ? ` --also ${also.path}` : ''}${before ? ` --before ${before.path}` : ''}${parserRuns.length > 0 ? ` --parser ${parserRuns.map((p) => p.path).join(',')}` : ''}   # this file and the charts again, from the results`,
    '```',
    '',
    'Systems, each started afresh for every run:',
    '',
    ...results.systems.map((s) => `- **${s.name}** — ${s.description}: \`${s.command}\``),
    '',
    '## Results',
    '',
    sections.join('\n\n'),
    '',
  ].join('\n')}`;
}

/** Writes BENCHMARKS.md and the charts; returns the paths written. */
export async function writeReport(
  results: BenchResults,
  resultsPath: string,
  inputs: ReportInputs = {},
): Promise<string[]> {
  await mkdir(CHART_DIR, { recursive: true });
  const written: string[] = [];
  for (const [scenario, svg] of await renderCharts(results)) {
    const path = `${CHART_DIR}/${scenario.toLowerCase()}.svg`;
    await writeFile(path, svg);
    written.push(path);
  }
  await writeFile('BENCHMARKS.md', await renderReport(results, resultsPath, inputs));
  // The repository's formatter owns Markdown layout (table padding): the generated file passes `biome check`.
  spawnSync('node_modules/.bin/biome', ['format', '--write', 'BENCHMARKS.md'], { stdio: 'ignore' });
  written.push('BENCHMARKS.md');
  return written;
}

/** What else the report sets beside the results file it is made from. */
export interface ReportInputs {
  /** The other of two full runs of the same code. */
  also?: OtherRun;
  /** A full run of the code before issue N. */
  before?: OtherRun;
  /** `npm run bench:parser` results, one per run. */
  parserRuns?: ParserRun[];
}

async function readJson<T>(path: string): Promise<{ results: T; path: string }> {
  return { results: JSON.parse(await readFile(path, 'utf8')) as T, path };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { also: { type: 'string' }, before: { type: 'string' }, parser: { type: 'string' } },
  });
  const path = positionals[0];
  if (path === undefined) {
    throw new Error(
      'usage: node --import tsx bench/report.ts bench/results/<date>.json [--also <other run>.json] ' +
        '[--before <run before issue N>.json] [--parser parser-1.json,parser-2.json]',
    );
  }
  const { results } = await readJson<BenchResults>(path);
  const parserPaths = values.parser?.split(',') ?? (existsSync(PARSER_RESULTS) ? [PARSER_RESULTS] : []);
  const inputs: ReportInputs = {
    ...(values.also === undefined ? {} : { also: await readJson<BenchResults>(values.also) }),
    ...(values.before === undefined ? {} : { before: await readJson<BenchResults>(values.before) }),
    parserRuns: await Promise.all(parserPaths.map((p) => readJson<ParserRun['results']>(p))),
  };
  console.log((await writeReport(results, path, inputs)).join('\n'));
}
