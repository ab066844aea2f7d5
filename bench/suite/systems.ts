/**
 * The systems under test, each reduced to what the load generator needs: how to start it, where
 * subscribers connect and how a publish is sent. Every system gets the same {@link runLoad} options.
 * @module
 */
import type { PublishShape, SubscribeTarget } from '../../src/cli/bench/index.js';
import { startBetterSse } from '../peers/better-sse.js';
import {
  type HotlineLog,
  type HotlineVariant,
  hotlineServeArgs,
  startHotline,
  TAKEOVER_OFF_NODE_ARGS,
} from '../peers/hotline.js';
import { BENCH_REDIS_URL, startHotlineCluster } from '../peers/hotline-cluster.js';
import { startNchan } from '../peers/nchan.js';
import type { Peer } from '../peers/peer.js';
import type { RunSpec } from './scenarios.js';

/** A system started for one run. */
export interface StartedSystem {
  /** Several targets: the nodes of a cluster, subscribers spread over them round-robin. */
  subscribe: SubscribeTarget | SubscribeTarget[];
  shape: PublishShape;
  pid: number;
  /** Every process serving subscribers when there are several (their RSS and CPU are summed). */
  pids?: number[];
  stop(): Promise<void>;
}

export interface System {
  /** Short name used in tables, charts and the results JSON. */
  name: SystemName;
  /** What it is, for the report. */
  description: string;
  /** The command that starts it, for the report. */
  command: string;
  /** The runs it takes part in. @defaultValue every run but the multi-node ones (S6) */
  runs?(spec: RunSpec): boolean;
  start(): Promise<StartedSystem>;
}

export type SystemName =
  | 'nchan'
  | 'nchan-w2'
  | 'better-sse'
  | 'hotline-memory'
  | 'hotline-sqlite'
  | 'hotline-memory-unsliced'
  | 'hotline-memory-node-http'
  | 'hotline-memory-w2'
  | 'hotline-redis-3n';

/** Whether `system` takes part in the run `spec`. */
export function takesPart(system: System, spec: RunSpec): boolean {
  return system.runs?.(spec) ?? spec.scenario !== 'S6';
}

/** The broadcast runs where issue N's before/after variants are measured beside the hub as shipped. */
const s2At10k = (spec: RunSpec): boolean =>
  spec.scenario === 'S2' && spec.subscribers >= 10_000 && spec.reconnect !== true;

/** The reference every ratio is taken against. */
export const REFERENCE: SystemName = 'nchan';

/** A started peer seen by the load generator: where subscribers connect (`path`) and how to publish. */
function started(peer: Peer, path: string, shape: PublishShape): StartedSystem {
  return {
    subscribe: { host: '127.0.0.1', port: Number(new URL(peer.url).port), path },
    shape,
    pid: peer.pid,
    ...(peer.pids === undefined ? {} : { pids: peer.pids }),
    stop: peer.stop,
  };
}

const NCHAN_COMMAND = 'nginx -p <tmp> -c <tmp>/nginx.conf (bench/peers/nchan.ts nchanConfig)';

function nchan(workers: number): System {
  return {
    name: workers === 1 ? 'nchan' : 'nchan-w2',
    description:
      workers === 1
        ? 'nginx + nchan (C), one worker process, eventsource subscriber location'
        : `the same nginx + nchan with \`worker_processes ${workers}\`: every core (RSS and CPU summed over the workers)`,
    command: workers === 1 ? NCHAN_COMMAND : `${NCHAN_COMMAND}, worker_processes ${workers}`,
    start: async () => started(await startNchan(workers), '/sub/t{topic}', { kind: 'nchan', channel: 't{topic}' }),
  };
}

/** A `hotline serve` (see {@link startHotline}) as the load generator sees it: Mercure subscribe and publish. */
export async function startHotlineSystem(log: HotlineLog, variant: HotlineVariant = {}): Promise<StartedSystem> {
  const peer = await startHotline(log, variant);
  return started(peer, '/.well-known/mercure?topic=t{topic}', {
    kind: 'mercure',
    topic: 't{topic}',
    jwt: peer.publisherJwt,
  });
}

function hotline(
  name: SystemName,
  log: 'memory' | 'sqlite',
  description: string,
  extraArgs: readonly string[] = [],
  nodeArgs: readonly string[] = [],
): Omit<System, 'runs'> {
  const logFlag: HotlineLog = log;
  const node = nodeArgs.length === 0 ? 'node' : 'node --import <takeover off>';
  return {
    name,
    description,
    command: `${node} dist/cli/main.js ${hotlineServeArgs(logFlag, '<tmp>', '<secret>', extraArgs).join(' ')}`,
    start: () => startHotlineSystem(log, { extraArgs, nodeArgs }),
  };
}

export const SYSTEMS: readonly System[] = [
  nchan(1),
  nchan(2),
  {
    name: 'better-sse',
    description: 'better-sse channels in a node:http server (bench/peers/better-sse-server.ts)',
    command: 'node --import tsx bench/peers/better-sse-server.ts',
    start: async () => started(await startBetterSse(), '/sub/t{topic}', { kind: 'json', path: '/publish/t{topic}' }),
  },
  hotline('hotline-memory', 'memory', '`hotline serve --log memory` (the compiled CLI, dist/cli/main.js)'),
  hotline('hotline-sqlite', 'sqlite', '`hotline serve --log sqlite:…` (the compiled CLI, dist/cli/main.js)'),
  hotline(
    'hotline-memory-w2',
    'memory',
    '`hotline serve --log memory --workers 2`: every core (RSS and CPU summed over the primary and its workers)',
    ['--workers', '2'],
  ),
  {
    // Issue N item 1's before/after: the same hub flushing every subscriber in one turn, as before slicing.
    ...hotline(
      'hotline-memory-unsliced',
      'memory',
      'hotline-memory with `--flush-slice-ms Infinity` (a fan-out never yields: the behaviour before flush slices); latency runs and the 10k × 64 B broadcasts only',
      ['--flush-slice-ms', 'Infinity'],
    ),
    runs: (spec) => spec.scenario === 'S3' || (s2At10k(spec) && spec.publish?.payloadBytes === 64),
  },
  {
    // Issue N item 2's before/after: every stream kept on node:http's request/response objects.
    ...hotline(
      'hotline-memory-node-http',
      'memory',
      'hotline-memory with the socket takeover switched off (`setSocketTakeover(false)` preloaded: streams stay on node:http, the behaviour before it); idle and 10k broadcast runs only',
      [],
      TAKEOVER_OFF_NODE_ARGS,
    ),
    runs: (spec) => spec.scenario === 'S1' || s2At10k(spec),
  },
  {
    name: 'hotline-redis-3n',
    description: `three \`hotline serve\` nodes on one Redis Streams log (${BENCH_REDIS_URL}, a fresh key prefix per run, deleted after), subscribers spread over them round-robin, publishes to the first; RSS and CPU summed over the nodes; multi-node runs only`,
    command: `3 × node dist/cli/main.js ${hotlineServeArgs(`${BENCH_REDIS_URL}?name=<prefix>` as HotlineLog, '<tmp>', '<secret>').join(' ')}`,
    runs: (spec) => spec.scenario === 'S6',
    async start() {
      const cluster = await startHotlineCluster(3);
      const path = '/.well-known/mercure?topic=t{topic}';
      return {
        subscribe: cluster.urls.map((url) => ({ host: '127.0.0.1', port: Number(new URL(url).port), path })),
        shape: { kind: 'mercure', topic: 't{topic}', jwt: cluster.publisherJwt },
        pid: cluster.pids[0]!,
        pids: cluster.pids,
        stop: cluster.stop,
      };
    },
  },
];
