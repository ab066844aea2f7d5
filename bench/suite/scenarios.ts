/**
 * Scenarios S1–S5 of issue H and S6 of issue N (multi-node), as the load each system receives. A run is
 * one fresh start of every system, so RSS and CPU numbers belong to that run alone. `--quick` keeps the shape of each scenario with smaller
 * counts (under two minutes for all of them, on this 2-core machine).
 * @module
 */
import type { LoadOptions } from '../../src/cli/bench/index.js';

export type ScenarioId = 'S1' | 'S2' | 'S3' | 'S4' | 'S5' | 'S6';

/** The system-independent part of a {@link runLoad} call. */
export interface RunSpec {
  scenario: ScenarioId;
  /** Unique within a results file, e.g. `S2 10k×200 4 KB if4`. */
  label: string;
  subscribers: number;
  topics?: number;
  publish?: { count: number; inFlight?: number; payloadBytes?: number; ratePerSecond?: number };
  slowFraction?: number;
  churnPerSecond?: number;
  settleMs?: number;
  /** Subscribers the server closes resume with Last-Event-ID (the load generator's reconnecting mode). */
  reconnect?: boolean;
  /** S5: the run without churn and slow readers that this one is compared with. */
  baselineOf?: string;
}

export const SCENARIO_TITLES: Record<ScenarioId, string> = {
  S1: 'S1 · idle capacity: server RSS per connected subscriber',
  S2: 'S2 · broadcast saturation: deliveries/s and server CPU per delivery',
  S3: 'S3 · latency at a fixed publish rate',
  S4: 'S4 · many small topics (10 subscribers per topic)',
  S5: 'S5 · churn and slow readers',
  S6: 'S6 · multi-node: three hubs on one Redis Streams log',
};

const k = (n: number): string => (n >= 1000 ? `${n / 1000}k` : String(n));
const size = (bytes: number): string => (bytes >= 1024 ? `${bytes / 1024} KB` : `${bytes} B`);

function s1(counts: number[], settleMs: number): RunSpec[] {
  // Idle RSS needs the allocations of the connect phase to settle (GC, nginx pools).
  return counts.map((subscribers) => ({
    scenario: 'S1',
    label: `S1 ${k(subscribers)} idle`,
    subscribers,
    settleMs,
  }));
}

function s2(
  cases: [subscribers: number, updates: number][],
  bytes: number[],
  inFlight: number[],
  reconnect = false,
): RunSpec[] {
  return cases.flatMap(([subscribers, count]) =>
    bytes.flatMap((payloadBytes) =>
      inFlight.map(
        (n): RunSpec => ({
          scenario: 'S2',
          label: `S2 ${k(subscribers)}×${count} ${size(payloadBytes)} if${n}${reconnect ? ' reconnecting' : ''}`,
          subscribers,
          publish: { count, inFlight: n, payloadBytes },
          ...(reconnect ? { reconnect } : {}),
        }),
      ),
    ),
  );
}

/**
 * Paced runs keep several publishes in flight: with one, a server slower to answer a publish would get fewer
 * publishes per second than asked — less load, and a flattering latency. The pace sets the rate.
 */
const PACED_IN_FLIGHT = 16;

function s3(cases: [subscribers: number, rate: number, seconds: number][]): RunSpec[] {
  return cases.map(([subscribers, rate, seconds]) => ({
    scenario: 'S3',
    label: `S3 ${k(subscribers)} @ ${rate}/s`,
    subscribers,
    publish: { count: rate * seconds, ratePerSecond: rate, inFlight: PACED_IN_FLIGHT, payloadBytes: 64 },
  }));
}

function s4(topics: number, perTopic: number, updatesPerTopic: number): RunSpec {
  return {
    scenario: 'S4',
    label: `S4 ${k(topics)} topics×${perTopic}`,
    subscribers: topics * perTopic,
    topics,
    publish: { count: topics * updatesPerTopic, inFlight: 4, payloadBytes: 64 },
  };
}

/**
 * S5 runs twice per system: steady, then with 5% slow readers and churn, at the same publish rate. The rate
 * (20 × 4 KB updates/s) stays well under every system's S2 capacity, so the healthy subscribers' latency
 * shows what churn and slow readers cost, not a saturated queue; the slow readers fall megabytes behind.
 */
function s5(subscribers: number, churnPerSecond: number, seconds: number): RunSpec[] {
  const publish = { count: 20 * seconds, ratePerSecond: 20, inFlight: PACED_IN_FLIGHT, payloadBytes: 4096 };
  const steady = `S5 ${k(subscribers)} steady`;
  return [
    { scenario: 'S5', label: steady, subscribers, publish },
    {
      scenario: 'S5',
      label: `S5 ${k(subscribers)} churn ${churnPerSecond}/s + 5% slow`,
      subscribers,
      publish,
      slowFraction: 0.05,
      churnPerSecond,
      baselineOf: steady,
    },
  ];
}

/**
 * S6: one cluster of hub nodes sharing a Redis Streams log, subscribers spread over the nodes, publishes
 * to one node: every subscriber must get every update through the log (0 lost).
 */
function s6(subscribers: number, count: number): RunSpec {
  return {
    scenario: 'S6',
    label: `S6 ${k(subscribers)} over 3 nodes`,
    subscribers,
    publish: { count, inFlight: 4, payloadBytes: 64 },
  };
}

/** Every run of a full (`quick: false`) or quick benchmark, in order. */
export function scenarios(quick: boolean): RunSpec[] {
  if (quick) {
    return [
      ...s1([1000, 5000], 1000),
      ...s2([[1000, 150]], [64], [4]),
      ...s2([[2000, 50]], [4096], [4]),
      ...s2([[1000, 100]], [4096], [4], true),
      ...s3([
        [1000, 100, 2],
        [1000, 10, 3],
      ]),
      s4(200, 10, 10),
      ...s5(500, 50, 3),
      s6(3000, 20),
    ];
  }
  return [
    ...s1([1000, 5000, 15_000], 2000),
    ...s2(
      [
        [1000, 2000],
        [10_000, 200],
      ],
      [64, 4096],
      [1, 4],
    ),
    ...s3([
      // Light load (issue N item 1): one update at a time, where flush slices must add no delay.
      [1000, 10, 10],
      [1000, 100, 10],
      [10_000, 10, 10],
    ]),
    // The bistable run again, counted as EventSources would live it: a subscriber the hub closes as a slow
    // consumer resumes with Last-Event-ID, so what it missed is counted when it arrives, not as lost.
    ...s2([[1000, 2000]], [4096], [1, 4], true),
    s4(1000, 10, 20),
    ...s5(2000, 100, 15),
    s6(30_000, 100),
  ];
}

/** The {@link runLoad} options of a run against a started system. */
export function loadOptions(
  spec: RunSpec,
  system: {
    subscribe: LoadOptions['subscribe'];
    shape: NonNullable<LoadOptions['publish']>['shape'];
    pid: number;
    pids?: number[];
  },
): LoadOptions {
  return {
    subscribe: system.subscribe,
    subscribers: spec.subscribers,
    serverPid: system.pid,
    ...(system.pids === undefined ? {} : { serverPids: system.pids }),
    ...(spec.topics === undefined ? {} : { topics: spec.topics }),
    ...(spec.publish === undefined ? {} : { publish: { ...spec.publish, shape: system.shape } }),
    ...(spec.slowFraction === undefined ? {} : { slowFraction: spec.slowFraction }),
    ...(spec.churnPerSecond === undefined ? {} : { churnPerSecond: spec.churnPerSecond }),
    ...(spec.settleMs === undefined ? {} : { settleMs: spec.settleMs }),
    ...(spec.reconnect === true ? { reconnect: true } : {}),
  };
}
