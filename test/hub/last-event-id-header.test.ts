/**
 * The hub's `Last-Event-ID` response header (Mercure, "Reconciliation"), on a real hub over loopback, with
 * the memory and the SQLite log (Redis and NATS share the route's code path: `reconcile` reads the log
 * through the `EventLog` interface only).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { createSqliteLog } from '../../src/hub/log/sqlite.js';
import type { HubOptions } from '../../src/hub/options.js';
import { publishOk, type RunningHub, startHub, subscribe, token } from '../fixtures/hub.js';

const SPEC =
  'the value of this response header MUST be the ID of the event preceding the first one sent to the ' +
  'subscriber, or the reserved value `earliest` if there is no preceding event';

/** Opens a stream, reads its response header (and the first event, when asked), closes it. */
async function headerOf(
  running: RunningHub,
  topics: string[],
  options: { lastEventId?: string; token?: string; query?: Record<string, string> } = {},
): Promise<string | null> {
  const reader = await subscribe(running.endpoint, topics, options);
  reader.close();
  return reader.response.headers.get('last-event-id');
}

const backends: [string, () => { options: HubOptions; cleanup(): void }][] = [
  ['memory', () => ({ options: {}, cleanup() {} })],
  [
    'sqlite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'hotline-lastid-'));
      return {
        options: { log: createSqliteLog(join(dir, 'log.db')) },
        cleanup: () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  ],
];

for (const [kind, makeLog] of backends) {
  describe(`hub (${kind} log): the Last-Event-ID response header`, () => {
    async function withHub(run: (running: RunningHub, publisher: string) => Promise<void>): Promise<void> {
      const log = makeLog();
      const running = await startHub({ allowAnonymous: true, ...log.options });
      try {
        await run(running, await token({ publish: ['*'] }));
      } finally {
        await running.close();
        log.cleanup();
      }
    }

    test(`"${SPEC}": an empty history gives earliest`, () =>
      withHub(async (running) => {
        assert.equal(await headerOf(running, ['/a'], { lastEventId: 'anything' }), 'earliest');
        assert.equal(await headerOf(running, ['/a'], { lastEventId: 'earliest' }), 'earliest');
      }));

    test(`"${SPEC}": earliest requested gives earliest, whatever history holds`, () =>
      withHub(async (running, publisher) => {
        await publishOk(running.endpoint, { topic: '/a', data: '1', id: 'a1' }, publisher);
        const reader = await subscribe(running.endpoint, ['/a'], { lastEventId: 'earliest' });
        assert.equal(reader.response.headers.get('last-event-id'), 'earliest');
        assert.equal((await reader.next()).lastEventId, 'a1');
        reader.close();
      }));

    test(`"${SPEC}": a known id gives that id, and the first event sent is the one after it`, () =>
      withHub(async (running, publisher) => {
        for (const id of ['k1', 'k2', 'k3'])
          await publishOk(running.endpoint, { topic: '/k', data: id, id }, publisher);
        await publishOk(running.endpoint, { topic: '/other', data: 'x', id: 'k4' }, publisher);
        const reader = await subscribe(running.endpoint, ['/k'], { lastEventId: 'k1' });
        assert.equal(reader.response.headers.get('last-event-id'), 'k1');
        assert.equal((await reader.next()).lastEventId, 'k2');
        reader.close();
        // The query parameter browsers can set is the same request.
        assert.equal(await headerOf(running, ['/k'], { query: { lastEventID: 'k2' } }), 'k2');
      }));

    test(`"${SPEC}" (e.g. "when the requested event does not exist"): an unknown id gives earliest`, () =>
      withHub(async (running, publisher) => {
        await publishOk(running.endpoint, { topic: '/u', data: '1', id: 'u1' }, publisher);
        const reader = await subscribe(running.endpoint, ['/u'], { lastEventId: 'never-published' });
        assert.equal(reader.response.headers.get('last-event-id'), 'earliest');
        assert.equal((await reader.next()).type, 'reset');
        reader.close();
      }));

    test('[NON-SPEC] without a last event id, the header names the newest update the subscriber may see', () =>
      withHub(async (running, publisher) => {
        assert.equal(await headerOf(running, ['/n']), 'earliest');
        await publishOk(running.endpoint, { topic: '/n', data: '1', id: 'n1' }, publisher);
        assert.equal(await headerOf(running, ['/elsewhere']), 'n1');
        await publishOk(running.endpoint, { topic: '/secret', data: 's', id: 's1', private: true }, publisher);
        assert.equal(await headerOf(running, ['/n']), 'n1');
        const allowed = await token({ subscribe: ['/secret'] });
        assert.equal(await headerOf(running, ['/n'], { token: allowed }), 's1');
      }));

    test('a private update as the newest one never appears in the header of a subscriber not allowed to see it', () =>
      withHub(async (running, publisher) => {
        await publishOk(running.endpoint, { topic: '/p', data: 'pub', id: 'p1' }, publisher);
        await publishOk(running.endpoint, { topic: '/p', data: 'secret', id: 'p2', private: true }, publisher);
        for (const lastEventId of [undefined, 'earliest', 'p1', 'unknown']) {
          const header = await headerOf(running, ['/p'], lastEventId === undefined ? {} : { lastEventId });
          assert.notEqual(header, 'p2', `Last-Event-ID: ${lastEventId}`);
        }
        // No window of public updates at all: the header is left out rather than name a private one.
        const onlyPrivate = makeLog();
        const fresh = await startHub({ allowAnonymous: true, ...onlyPrivate.options });
        try {
          await publishOk(fresh.endpoint, { topic: '/p', data: 'secret', id: 'q1', private: true }, publisher);
          assert.equal(await headerOf(fresh, ['/p']), null);
        } finally {
          await fresh.close();
          onlyPrivate.cleanup();
        }
      }));
  });
}

describe('hub: the Last-Event-ID response header over random public/private histories', () => {
  test('never names a private update to a subscriber not allowed to see it, and names the newest it may see', async () => {
    const running = await startHub({ allowAnonymous: true });
    const publisher = await token({ publish: ['*'] });
    const allowed = await token({ subscribe: ['/r/mine'] });
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ private: fc.boolean(), mine: fc.boolean() }), { minLength: 1, maxLength: 8 }),
          async (history) => {
            run++;
            const published: { id: string; private: boolean; mine: boolean }[] = [];
            for (const [i, update] of history.entries()) {
              const id = `r${run}-${i}`;
              const topic = update.mine ? '/r/mine' : '/r/theirs';
              await publishOk(running.endpoint, { topic, data: id, id, private: update.private }, publisher);
              published.push({ id, ...update });
            }
            const visible = (may: (u: (typeof published)[number]) => boolean) => published.filter(may).at(-1)?.id;
            const anonymous = await headerOf(running, ['/r/{x}']);
            const withToken = await headerOf(running, ['/r/{x}'], { token: allowed });
            const forAnonymous = visible((u) => !u.private);
            const forToken = visible((u) => !u.private || u.mine);
            // Earlier runs left public updates behind: with none in this run, an older public id is right.
            if (forAnonymous !== undefined) assert.equal(anonymous, forAnonymous);
            if (forToken !== undefined) assert.equal(withToken, forToken);
            for (const update of published) {
              if (update.private) assert.notEqual(anonymous, update.id);
              if (update.private && !update.mine) assert.notEqual(withToken, update.id);
            }
          },
        ),
        { numRuns: 25 },
      );
    } finally {
      await running.close();
    }
  });
});
