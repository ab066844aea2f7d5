/**
 * The results file written by `npm run bench` (`bench/results/<date>.json`) and read by the report.
 * @module
 */
import type { LoadResult } from '../../src/cli/bench/index.js';
import type { Machine } from './machine.js';
import type { RunSpec } from './scenarios.js';
import type { SystemName } from './systems.js';

export interface RunRecord {
  spec: RunSpec;
  system: SystemName;
  /** Absent when the run failed; `error` says why. */
  result?: LoadResult;
  error?: string;
}

export interface BenchResults {
  date: string;
  quick: boolean;
  /** Wall-clock time of the whole invocation, in seconds. */
  durationSeconds: number;
  command: string;
  machine: Machine;
  systems: { name: SystemName; description: string; command: string }[];
  runs: RunRecord[];
}
