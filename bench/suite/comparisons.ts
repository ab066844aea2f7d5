/**
 * Before/after tables for BENCHMARKS.md: a variant of the hub beside the hub as shipped in the same run
 * (flush slices off, socket takeover off, `--workers 2`), and the hub's ratios to nchan in an earlier results
 * file beside this one (the code before a change, or the second of two full runs).
 * @module
 */
import type { LoadResult } from '../../src/cli/bench/index.js';
import type { BenchResults, RunRecord } from './results.js';
import type { SystemName } from './systems.js';
import { cell, formatRatio, HEADLINES, ratioToReference } from './tables.js';

const MiB = 2 ** 20;

/** A metric shown for both sides of a comparison. */
interface Metric {
  header: string;
  value(result: LoadResult): number | undefined;
  lowerIsBetter: boolean;
}

const cpu: Metric = {
  header: 'CPU µs/delivery',
  value: (r) => r.server?.cpuMicrosPerDelivery,
  lowerIsBetter: true,
};
const peakRss: Metric = {
  header: 'peak RSS MiB',
  value: (r) => (r.server ? Math.round(r.server.rssPeakBytes / MiB) : undefined),
  lowerIsBetter: true,
};
const p99: Metric = { header: 'p99 ms', value: (r) => r.latency.p99Ms, lowerIsBetter: true };
const p50: Metric = { header: 'p50 ms', value: (r) => r.latency.p50Ms, lowerIsBetter: true };

/** The metrics compared for a run: its headline, then what else the change is about. */
function metricsOf(record: RunRecord): Metric[] {
  const headline = HEADLINES[record.spec.scenario];
  const first: Metric = { header: headline.header, value: headline.value, lowerIsBetter: headline.lowerIsBetter };
  switch (record.spec.scenario) {
    case 'S1':
      return [first];
    case 'S3':
    case 'S5':
      // Issue N item 1 asks for the light-load p50 and p99 before and after.
      return [first, p50, cpu];
    default:
      return [first, p99, cpu, peakRss];
  }
}

/** `after ÷ before`, marked when it is the better side by more than 5 % (noise on this machine is larger). */
function change(before: number | undefined, after: number | undefined, metric: Metric): string {
  if (before === undefined || after === undefined || before === 0) return '–';
  const ratio = after / before;
  const better = metric.lowerIsBetter ? ratio < 0.95 : ratio > 1.05;
  return `${ratio.toFixed(2)}×${better ? ' ✓' : ''}`;
}

/**
 * Every run where both `before` and `after` took part: each metric before, after, and after ÷ before.
 * Undefined when no run has both.
 */
export function variantTable(runs: RunRecord[], before: SystemName, after: SystemName): string | undefined {
  const rows: string[] = [];
  for (const mine of runs.filter((r) => r.system === after)) {
    const theirs = runs.find((r) => r.system === before && r.spec.label === mine.spec.label);
    if (theirs?.result === undefined || mine.result === undefined) continue;
    for (const metric of metricsOf(mine)) {
      const [b, a] = [metric.value(theirs.result), metric.value(mine.result)];
      rows.push(`| ${mine.spec.label} | ${metric.header} | ${cell(b)} | ${cell(a)} | ${change(b, a, metric)} |`);
    }
  }
  if (rows.length === 0) return undefined;
  return [
    `| run | metric | ${before} | ${after} | ${after} ÷ ${before} |`,
    '| --- | --- | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

/**
 * The headline ratio to nchan of each `system` in two results files, for every run label both have:
 * the same code measured twice, or the code before and after a change.
 */
export function acrossRunsTable(
  earlier: BenchResults,
  later: BenchResults,
  systems: readonly SystemName[],
  names: [earlier: string, later: string],
): string | undefined {
  const rows: string[] = [];
  for (const record of later.runs) {
    if (!systems.includes(record.system)) continue;
    const old = earlier.runs.find((r) => r.system === record.system && r.spec.label === record.spec.label);
    if (old === undefined) continue;
    const [a, b] = [ratioToReference(old, earlier.runs), ratioToReference(record, later.runs)];
    if (a === undefined && b === undefined) continue;
    const metric = HEADLINES[record.spec.scenario].header;
    rows.push(`| ${record.spec.label} | ${record.system} | ${metric} | ${formatRatio(a)} | ${formatRatio(b)} |`);
  }
  if (rows.length === 0) return undefined;
  return [
    `| run | system | metric | ratio to nchan, ${names[0]} | ratio to nchan, ${names[1]} |`,
    '| --- | --- | --- | ---: | ---: |',
    ...rows,
  ].join('\n');
}
