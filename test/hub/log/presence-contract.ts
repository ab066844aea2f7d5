/**
 * The one contract every presence store passes (`src/hub/log/presence-store.ts`): the in-memory one and
 * the engines a cluster shares (Redis, NATS). Each case opens two stores on one name — two nodes of one
 * cluster — and checks what either lists.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { PRESENCE_PAGE, type PresenceStore } from '../../../src/hub/log/presence-store.js';

export interface PresenceHarness {
  /** A store as one node of the cluster `name` opens it; every store of one name shares its data. */
  open(name: string): Promise<PresenceStore>;
  /** Lets `ms` pass for the leases (a real wait on an engine, a clock step in memory). */
  wait(ms: number): Promise<void>;
  /** Closes what `open` opened and deletes the data behind `name`. */
  destroy(name: string): Promise<void>;
}

async function list(store: PresenceStore): Promise<string[]> {
  const values: string[] = [];
  for await (const page of store.values()) values.push(...page);
  return values.sort();
}

export function presenceStoreContract(label: string, harness: PresenceHarness, skip: string | false = false): void {
  describe(`presence store contract: ${label}`, { skip }, () => {
    const withCluster = async (body: (a: PresenceStore, b: PresenceStore) => Promise<void>) => {
      const name = `presence-${randomUUID().slice(0, 8)}`;
      try {
        const a = await harness.open(name);
        const b = await harness.open(name);
        await body(a, b);
      } finally {
        await harness.destroy(name);
      }
    };
    const node = () => randomUUID();

    test('a node is listed once it holds a lease, without what it deleted, and not after it leaves', () =>
      withCluster(async (a, b) => {
        const n = node();
        await a.put(n, 'k1', 'v1');
        await a.put(n, 'k2', 'v2');
        assert.deepEqual(await list(b), [], 'no lease yet: not listed');
        assert.equal(await a.renew(n, 10_000), false, 'the first renewal registers the node');
        assert.deepEqual(await list(b), ['v1', 'v2']);
        assert.equal(await a.renew(n, 10_000), true);
        await a.put(n, 'k2', 'v2 again');
        await a.delete(n, 'k1');
        assert.deepEqual(await list(b), ['v2 again'], 'a put replaces, a delete removes');
        await a.leave(n);
        assert.deepEqual(await list(a), []);
        assert.deepEqual(await b.reap(), [], 'a node that left is not reaped: its ends were announced');
      }));

    test('holders counts the live nodes that hold a key, and only those', () =>
      withCluster(async (a, b) => {
        const [first, second, silent] = [node(), node(), node()];
        await a.renew(first, 10_000);
        await b.renew(second, 10_000);
        await a.put(first, 'shared', 'from first');
        await b.put(second, 'shared', 'from second');
        await b.put(silent, 'shared', 'never renewed');
        await a.put(first, 'own', 'x');
        assert.equal(await b.holders('shared'), 2, 'a node without a lease does not count');
        assert.equal(await b.holders('own'), 1);
        assert.equal(await a.holders('nobody'), 0);
        await b.delete(second, 'shared');
        assert.equal(await a.holders('shared'), 1);
      }));

    test('every node lists the subscriptions of every node, more than a page each, each once', () =>
      withCluster(async (a, b) => {
        const [first, second] = [node(), node()];
        const count = PRESENCE_PAGE + 20;
        await a.renew(first, 10_000);
        await b.renew(second, 10_000);
        // A few writes in flight at a time: an engine's request timeout is not what this case tests.
        for (let i = 0; i < count; i += 10) {
          const batch = Array.from({ length: Math.min(10, count - i) }, (_, j) => i + j);
          await Promise.all(batch.flatMap((k) => [a.put(first, `k${k}`, `a${k}`), b.put(second, `k${k}`, `b${k}`)]));
        }
        let pages = 0;
        for await (const page of a.values()) {
          assert.ok(page.length <= PRESENCE_PAGE, 'a page is bounded');
          pages++;
        }
        const fromA = await list(a);
        assert.equal(fromA.length, 2 * count);
        assert.equal(new Set(fromA).size, 2 * count, 'each listed once');
        assert.deepEqual(await list(b), fromA, 'both nodes list the same');
        assert.ok(pages >= 3, `${pages} pages`);
      }));

    test('a node whose lease ran out is not listed, is reaped by exactly one node, and must record itself again', () =>
      withCluster(async (a, b) => {
        const [dead, live] = [node(), node()];
        await a.renew(dead, 300);
        await a.put(dead, 'k1', 'dead 1');
        await a.put(dead, 'k2', 'dead 2');
        await b.renew(live, 10_000);
        await b.put(live, 'k1', 'live 1');
        await harness.wait(700);
        await b.renew(live, 10_000);
        assert.deepEqual(await list(b), ['live 1'], 'the expired node is no longer listed');
        const [reapedByA, reapedByB] = await Promise.all([a.reap(), b.reap()]);
        assert.deepEqual([...reapedByA, ...reapedByB].sort(), ['dead 1', 'dead 2'], 'ended once, by one node');
        assert.deepEqual(await b.reap(), [], 'nothing left to reap');
        assert.equal(await a.renew(dead, 10_000), false, 'the node presumed dead learns it must record itself');
        assert.deepEqual(await list(b), ['live 1'], 'its old entries were taken with it');
      }));
  });
}
