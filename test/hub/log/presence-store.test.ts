/**
 * The presence store contract (`presence-contract.ts`) on every store: in memory, and on the Redis and
 * NATS engines a cluster shares (skipped with a message when absent; required under CI=true).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deleteNatsLog, deleteRedisLog } from '../../../bench/peers/log-cleanup.js';
import type { EventLog } from '../../../src/hub/log/event-log.js';
import { createNatsLog } from '../../../src/hub/log/nats.js';
import { createMemoryPresenceStore, type PresenceStore } from '../../../src/hub/log/presence-store.js';
import { createRedisLog } from '../../../src/hub/log/redis.js';
import { NATS_URL, REDIS_URL, reachable, skipUnless } from '../../fixtures/services.js';
import { presenceStoreContract } from './presence-contract.js';

let clock = Date.now();
const memoryStores = new Map<string, PresenceStore>();
presenceStoreContract('memory', {
  async open(name) {
    let store = memoryStores.get(name);
    if (store === undefined) {
      store = createMemoryPresenceStore(() => clock);
      memoryStores.set(name, store);
    }
    return store;
  },
  async wait(ms) {
    clock += ms;
  },
  async destroy(name) {
    memoryStores.delete(name);
  },
});

/** A harness whose stores are each a log's `presence()`, one log per node. */
function engineHarness(openLog: (name: string) => Promise<EventLog>, deleteData: (name: string) => Promise<void>) {
  const logs = new Map<string, EventLog[]>();
  return {
    async open(name: string) {
      const log = await openLog(name);
      logs.set(name, [...(logs.get(name) ?? []), log]);
      return log.presence!();
    },
    wait: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    async destroy(name: string) {
      await Promise.all((logs.get(name) ?? []).map((log) => log.close()));
      logs.delete(name);
      await deleteData(name);
    },
  };
}

const run = `hotline-test-${process.pid}`;
presenceStoreContract(
  'redis',
  engineHarness(
    (name) => createRedisLog(REDIS_URL, { prefix: `${run}:${name}` }),
    async (name) => {
      await deleteRedisLog(REDIS_URL, `${run}:${name}`);
    },
  ),
  skipUnless(await reachable(REDIS_URL), `Redis at ${REDIS_URL}`),
);

presenceStoreContract(
  'nats',
  engineHarness(
    (name) => createNatsLog(NATS_URL, { stream: name }),
    async (name) => {
      await deleteNatsLog(NATS_URL, name);
    },
  ),
  skipUnless(await reachable(NATS_URL), `NATS at ${NATS_URL}`),
);

const natsSkip = skipUnless(await reachable(NATS_URL), `NATS at ${NATS_URL}`);
test('NATS: a node taken by a reaper that died before purging it is taken again a lease later', {
  skip: natsSkip,
}, async () => {
  const name = `presence_orphan_${process.pid}_${Date.now()}`;
  const { connect } = await import('@nats-io/transport-node');
  const { jetstream } = await import('@nats-io/jetstream');
  const nc = await connect({ servers: NATS_URL });
  const [a, b] = [await createNatsLog(NATS_URL, { stream: name }), await createNatsLog(NATS_URL, { stream: name })];
  try {
    const [storeA, storeB] = [a.presence!(), b.presence!()];
    await storeA.renew('dead', 300);
    await storeA.put('dead', 'k', 'orphan');
    // What a reaper publishes when it takes the node, before it dies itself.
    await jetstream(nc).publish(`${name}_presence.n.dead`, JSON.stringify({ leaseMs: 300, ended: true }));
    await storeB.renew('live', 10_000);
    assert.deepEqual(await storeB.reap(), [], 'a fresh taking is left alone');
    await new Promise((resolve) => setTimeout(resolve, 600));
    await storeB.renew('live', 10_000);
    assert.deepEqual(await storeB.reap(), ['orphan']);
    assert.deepEqual(await storeB.reap(), []);
  } finally {
    await Promise.all([a.close(), b.close()]);
    await nc.close();
    await deleteNatsLog(NATS_URL, name);
  }
});
