/**
 * The numbers of each scenario as Markdown tables: one row per run and system, the headline metric with
 * its ratio to nchan measured in the same invocation.
 * @module
 */
import type { LoadResult } from '../../src/cli/bench/index.js';
import type { RunRecord } from './results.js';
import type { ScenarioId } from './scenarios.js';
import { REFERENCE } from './systems.js';

export interface Column {
  header: string;
  value(result: LoadResult, record: RunRecord): number | string | undefined;
}

/** The metric a scenario is judged on, and whether lower is better. */
export interface Headline {
  header: string;
  value(result: LoadResult): number | undefined;
  lowerIsBetter: boolean;
}

const MiB = 2 ** 20;
const round = (n: number, digits = 0): number => Math.round(n * 10 ** digits) / 10 ** digits;

export const HEADLINES: Record<ScenarioId, Headline> = {
  S1: {
    header: 'RSS/subscriber KiB',
    value: (r) => (r.server ? round(r.server.rssPerSubscriberBytes / 1024, 1) : undefined),
    lowerIsBetter: true,
  },
  S2: { header: 'deliveries/s', value: (r) => r.deliveriesPerSecond, lowerIsBetter: false },
  S3: { header: 'p99 ms', value: (r) => r.latency.p99Ms, lowerIsBetter: true },
  S4: { header: 'deliveries/s', value: (r) => r.deliveriesPerSecond, lowerIsBetter: false },
  S5: { header: 'healthy p99 ms', value: (r) => r.latency.p99Ms, lowerIsBetter: true },
  S6: { header: 'deliveries/s', value: (r) => r.deliveriesPerSecond, lowerIsBetter: false },
};

const lost: Column = { header: 'lost', value: (r) => r.frames.lost };
const cpuPerDelivery: Column = { header: 'server CPU µs/delivery', value: (r) => r.server?.cpuMicrosPerDelivery };
const p50: Column = { header: 'p50 ms', value: (r) => r.latency.p50Ms };
const p99: Column = { header: 'p99 ms', value: (r) => r.latency.p99Ms };
const p999: Column = { header: 'p99.9 ms', value: (r) => r.latency.p999Ms };
const rssIdle: Column = {
  header: 'RSS idle MiB',
  value: (r) => (r.server ? round(r.server.rssIdleBytes / MiB) : undefined),
};
const rssPeak: Column = {
  header: 'RSS peak MiB',
  value: (r) => (r.server ? round(r.server.rssPeakBytes / MiB) : undefined),
};
const clientCpu: Column = { header: 'client CPU s', value: (r) => r.clientCpuSeconds };
/** What the publisher achieved: a paced run that falls short of its rate put less load on the server. */
const publishRate: Column = {
  header: 'publishes/s',
  value: (r) =>
    r.publish && r.publish.durationSeconds > 0 ? round(r.publish.sent / r.publish.durationSeconds) : undefined,
};

/** The other columns of each scenario's table. */
export const COLUMNS: Record<ScenarioId, Column[]> = {
  S1: [
    { header: 'connected', value: (r) => r.subscribers.connected },
    { header: 'failed', value: (r) => r.subscribers.failed },
    { header: 'RSS before MiB', value: (r) => (r.server ? round(r.server.rssBeforeBytes / MiB) : undefined) },
    rssIdle,
    { header: 'connect s', value: (r) => round(r.connectSeconds, 1) },
  ],
  S2: [
    cpuPerDelivery,
    lost,
    { header: 'dropped', value: (r) => r.frames.dropped },
    {
      header: 'resumed (duplicates)',
      value: (r) => (r.reconnects ? `${r.reconnects.resumed} (${r.frames.duplicates ?? 0})` : undefined),
    },
    p50,
    p99,
    clientCpu,
  ],
  S3: [p50, p999, publishRate, lost, cpuPerDelivery],
  S4: [publishRate, cpuPerDelivery, lost, p99],
  S5: [
    publishRate,
    { header: 'lost', value: (r) => r.frames.lost },
    { header: 'dropped', value: (r) => r.frames.dropped },
    rssIdle,
    rssPeak,
    { header: 'churn connects (failed)', value: (r) => `${r.churn.connects} (${r.churn.failures})` },
  ],
  S6: [
    { header: 'connected', value: (r) => r.subscribers.connected },
    lost,
    { header: 'dropped', value: (r) => r.frames.dropped },
    p50,
    p99,
    cpuPerDelivery,
    rssPeak,
    clientCpu,
  ],
};

export function cell(value: number | string | undefined): string {
  if (value === undefined) return '–';
  return typeof value === 'number' ? value.toLocaleString('en-US') : value;
}

/** The headline value (or `metric`) of `record` divided by nchan's for the same run, e.g. `2.51×`. */
export function ratioToReference(
  record: RunRecord,
  all: RunRecord[],
  metric: (result: LoadResult) => number | undefined = HEADLINES[record.spec.scenario].value,
): number | undefined {
  const reference = all.find((r) => r.spec.label === record.spec.label && r.system === REFERENCE);
  const mine = record.result ? metric(record.result) : undefined;
  const theirs = reference?.result ? metric(reference.result) : undefined;
  if (mine === undefined || theirs === undefined || theirs === 0) return undefined;
  return mine / theirs;
}

export const formatRatio = (ratio: number | undefined): string => (ratio === undefined ? '–' : `${ratio.toFixed(2)}×`);

/** One Markdown table with every run of `scenario`. */
export function scenarioTable(scenario: ScenarioId, runs: RunRecord[]): string {
  const headline = HEADLINES[scenario];
  const columns = COLUMNS[scenario];
  const header = ['run', 'system', headline.header, `ratio to ${REFERENCE}`, ...columns.map((c) => c.header)];
  const right = (h: string): boolean => h !== 'run' && h !== 'system';
  const rows = runs
    .filter((r) => r.spec.scenario === scenario)
    .map((record) => {
      const result = record.result;
      if (result === undefined) return [record.spec.label, record.system, `failed: ${record.error ?? '?'}`];
      return [
        record.spec.label,
        record.system,
        cell(headline.value(result)),
        formatRatio(ratioToReference(record, runs)),
        ...columns.map((c) => cell(c.value(result, record))),
      ];
    });
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map((h) => (right(h) ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((row) => `| ${header.map((_, i) => row[i] ?? '').join(' | ')} |`),
  ].join('\n');
}

/** One line per run for the console while the benchmark runs. */
export function summaryLine(record: RunRecord): string {
  const label = `${record.spec.label.padEnd(30)} ${record.system.padEnd(15)}`;
  const r = record.result;
  if (r === undefined) return `${label} FAILED: ${record.error}`;
  const headline = HEADLINES[record.spec.scenario];
  return (
    `${label} ${headline.header} ${cell(headline.value(r))}, lost ${r.frames.lost}, ` +
    `p99 ${cell(r.latency.p99Ms)} ms, CPU ${cell(r.server?.cpuMicrosPerDelivery)} µs/delivery, ` +
    `RSS ${cell(r.server ? round(r.server.rssIdleBytes / MiB) : undefined)} MiB, connect failures ${r.subscribers.failed}, ` +
    `client CPU ${r.clientCpuSeconds} s`
  );
}
