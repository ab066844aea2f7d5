/**
 * The systems under test, each reduced to what the load generator needs: how to start it, where
 * subscribers connect and how a publish is sent. Every system gets the same {@link runLoad} options.
 * @module
 */
import type { PublishShape, SubscribeTarget } from '../../src/cli/bench/index.js';
import { startBetterSse } from '../peers/better-sse.js';
import { startHotline } from '../peers/hotline.js';
import { startNchan } from '../peers/nchan.js';
import type { Peer } from '../peers/peer.js';

/** A system started for one run. */
export interface StartedSystem {
  subscribe: SubscribeTarget;
  shape: PublishShape;
  pid: number;
  stop(): Promise<void>;
}

export interface System {
  /** Short name used in tables, charts and the results JSON. */
  name: SystemName;
  /** What it is, for the report. */
  description: string;
  start(): Promise<StartedSystem>;
}

export type SystemName = 'nchan' | 'better-sse' | 'hotline-memory' | 'hotline-sqlite';

/** The reference every ratio is taken against. */
export const REFERENCE: SystemName = 'nchan';

/** A started peer seen by the load generator: where subscribers connect (`path`) and how to publish. */
function started(peer: Peer, path: string, shape: PublishShape): StartedSystem {
  return {
    subscribe: { host: '127.0.0.1', port: Number(new URL(peer.url).port), path },
    shape,
    pid: peer.pid,
    stop: peer.stop,
  };
}

export const SYSTEMS: readonly System[] = [
  {
    name: 'nchan',
    description: 'nginx + nchan (C), one worker process, eventsource subscriber location',
    start: async () => started(await startNchan(), '/sub/t{topic}', { kind: 'nchan', channel: 't{topic}' }),
  },
  {
    name: 'better-sse',
    description: 'better-sse channels in a node:http server (bench/peers/better-sse-server.ts)',
    start: async () => started(await startBetterSse(), '/sub/t{topic}', { kind: 'json', path: '/publish/t{topic}' }),
  },
  ...(['memory', 'sqlite'] as const).map(
    (log): System => ({
      name: `hotline-${log}`,
      description: `\`hotline serve --log ${log === 'memory' ? 'memory' : 'sqlite:…'}\` (the compiled CLI, dist/cli/main.js)`,
      async start() {
        const peer = await startHotline(log);
        return started(peer, '/.well-known/mercure?topic=t{topic}', {
          kind: 'mercure',
          topic: 't{topic}',
          jwt: peer.publisherJwt,
        });
      },
    }),
  ),
];
