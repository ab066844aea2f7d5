/**
 * State on subscribe, end to end on a real hub, run against every event-log backend: what a fresh
 * subscriber with `?state=…` receives, and that it then goes live with no gap and no duplicate.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { EventLog } from '../../../src/hub/log/event-log.js';
import { type EventReader, publishOk, type RunningHub, startHub, subscribe, token } from '../../fixtures/hub.js';

export interface StateBackend {
  readonly name: string;
  /** Opens a log on this suite's storage; every call reaches the same data (for two nodes). */
  open(): Promise<EventLog>;
  /** Deletes this suite's storage (keys, stream, file). */
  destroy?(): Promise<void>;
  /** Two logs opened on the storage see each other's appends. */
  readonly shared: boolean;
  readonly skip: string | false;
}

let runs = 0;
/** Topics of one test, apart from every other test's on the shared log. */
const area = () => `https://example.com/s${process.pid}-${Date.now()}-${runs++}`;

async function take(reader: EventReader, count: number): Promise<string[]> {
  const data: string[] = [];
  for (let i = 0; i < count; i++) data.push((await reader.next()).data);
  return data;
}

export function stateOnSubscribeSuite(backend: StateBackend): void {
  describe(`[NON-SPEC] state on subscribe: ${backend.name}`, { skip: backend.skip }, () => {
    const logs: EventLog[] = [];
    const hubs: RunningHub[] = [];
    let hub: RunningHub;
    let publisher: string;
    const readers: EventReader[] = [];
    const open = async (topics: string[], options: Parameters<typeof subscribe>[2] = {}) => {
      const reader = await subscribe(hub.endpoint, topics, options);
      readers.push(reader);
      return reader;
    };
    const send = (topic: string | string[], data: string, extra: Record<string, string | boolean> = {}) =>
      publishOk(hub.endpoint, { topic, data, ...extra }, publisher);

    before(async () => {
      logs.push(await backend.open());
      hub = await startHub({ log: logs[0]!, allowAnonymous: true });
      hubs.push(hub);
      publisher = await token({ publish: ['*'] });
    });
    after(async () => {
      for (const reader of readers) reader.close();
      await Promise.allSettled(hubs.map((running) => running.close()));
      await Promise.allSettled(logs.map((log) => log.close()));
      await backend.destroy?.();
    });

    test('state=latest sends the newest update of each matching topic, oldest first, then live updates', async () => {
      const at = area();
      await send(`${at}/stocks/A`, 'A 1');
      await send(`${at}/stocks/B`, 'B 1');
      await send(`${at}/stocks/A`, 'A 2');
      await send(`${at}/news`, 'news 1');
      await send(`${at}/stocks/C`, 'C 1');
      await send(`${at}/stocks/B`, 'B 2');
      const reader = await open([`${at}/stocks/{symbol}`], { query: { state: 'latest' } });
      assert.equal(reader.response.status, 200);
      assert.deepEqual(await take(reader, 3), ['A 2', 'C 1', 'B 2']);
      await send(`${at}/stocks/A`, 'A 3');
      assert.deepEqual(await take(reader, 1), ['A 3']);
      assert.equal(await reader.nothingWithin(100), undefined);
    });

    test('state=latest on exact topics sends each one’s newest update; a topic with none sends nothing', async () => {
      const at = area();
      await send(`${at}/score/1`, 'one 0-0');
      await send(`${at}/score/1`, 'one 1-0');
      await send([`${at}/score/2`, `${at}/alias`], 'two 0-1');
      const reader = await open([`${at}/score/1`, `${at}/score/2`, `${at}/score/3`], { query: { state: 'latest' } });
      assert.deepEqual(await take(reader, 2), ['one 1-0', 'two 0-1']);
      assert.equal(await reader.nothingWithin(100), undefined);
    });

    test('state=last:N sends the newest N matching updates, oldest first, then live updates', async () => {
      const at = area();
      for (let i = 1; i <= 6; i++) await send(`${at}/news`, `headline ${i}`);
      await send(`${at}/other`, 'not mine');
      const reader = await open([`${at}/news`], { query: { state: 'last:3' } });
      assert.deepEqual(await take(reader, 3), ['headline 4', 'headline 5', 'headline 6']);
      await send(`${at}/news`, 'headline 7');
      assert.deepEqual(await take(reader, 1), ['headline 7']);
      const all = await open([`${at}/news`], { query: { state: 'last:50' } });
      assert.deepEqual(
        await take(all, 7),
        [1, 2, 3, 4, 5, 6, 7].map((i) => `headline ${i}`),
      );
      assert.equal(await all.nothingWithin(100), undefined);
    });

    test('a state value after @ applies to that selector only; the others keep the plain one', async () => {
      const at = area();
      await send(`${at}/stocks/A`, 'A 1');
      await send(`${at}/news`, 'news 1');
      await send(`${at}/stocks/A`, 'A 2');
      await send(`${at}/news`, 'news 2');
      await send(`${at}/news`, 'news 3');
      const reader = await open([`${at}/stocks/{symbol}`, `${at}/news`], {
        query: { state: ['latest', `last:2@${at}/news`] },
      });
      assert.deepEqual(await take(reader, 3), ['A 2', 'news 2', 'news 3']);
      assert.equal(await reader.nothingWithin(100), undefined);
      const onlyNews = await open([`${at}/stocks/{symbol}`, `${at}/news`], { query: { state: `last:1@${at}/news` } });
      assert.deepEqual(await take(onlyNews, 1), ['news 3']);
      assert.equal(await onlyNews.nothingWithin(100), undefined);
    });

    test('private updates are in the state only for a token whose claims match them', async () => {
      const at = area();
      const mine = `${at}/users/alice/notes`;
      await send(mine, 'public note');
      await send(mine, 'private note', { private: true });
      await send(`${at}/users/bob/notes`, 'bob private', { private: true });
      const anonymous = await open([`${at}/users/{user}/notes`], { query: { state: 'latest' } });
      assert.deepEqual(await take(anonymous, 1), ['public note']);
      assert.equal(await anonymous.nothingWithin(100), undefined);
      const alice = await open([`${at}/users/{user}/notes`], {
        query: { state: 'last:5' },
        token: await token({ subscribe: [`${at}/users/alice/{anything}`] }),
      });
      assert.deepEqual(await take(alice, 2), ['public note', 'private note']);
      assert.equal(await alice.nothingWithin(100), undefined);
    });

    test('a Last-Event-ID wins over state: the missed updates are replayed instead', async () => {
      const at = area();
      const first = await send(`${at}/news`, 'n 1');
      await send(`${at}/news`, 'n 2');
      await send(`${at}/news`, 'n 3');
      const reader = await open([`${at}/news`], { query: { state: 'last:1' }, lastEventId: first });
      assert.equal(reader.response.headers.get('last-event-id'), first);
      assert.deepEqual(await take(reader, 2), ['n 2', 'n 3']);
      assert.equal(await reader.nothingWithin(100), undefined);
    });

    test('a subscriber without state sees no history, and asking for state leaves the Last-Event-ID header alone', async () => {
      const at = area();
      const newest = await send(`${at}/news`, 'old');
      const plain = await open([`${at}/news`]);
      const stateful = await open([`${at}/news`], { query: { state: 'latest' } });
      assert.equal(plain.response.headers.get('last-event-id'), newest);
      assert.equal(stateful.response.headers.get('last-event-id'), newest);
      assert.deepEqual(await take(stateful, 1), ['old']);
      await send(`${at}/news`, 'new');
      assert.deepEqual(await take(plain, 1), ['new']);
      assert.deepEqual(await take(stateful, 1), ['new']);
    });

    test('no gap and no duplicate across the state-to-live handoff while a publisher keeps publishing', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 14 }),
          fc.nat({ max: 14 }),
          fc.oneof(
            fc.constant('latest'),
            fc.integer({ min: 1, max: 5 }).map((n) => `last:${n}`),
          ),
          async (topics, subscribeAfter, state) => {
            const at = area();
            // Three publishers at once, so updates are stored while the state is being read; the log says
            // in which order they were stored.
            let started = 0;
            let stored = 0;
            const worker = async () => {
              while (started < topics.length) {
                const i = started++;
                await send(`${at}/${topics[i]}`, `${topics[i]}${i}`);
                stored++;
              }
            };
            const publishing = Promise.all([worker(), worker(), worker()]);
            while (stored < Math.min(subscribeAfter, topics.length))
              await new Promise((resolve) => setTimeout(resolve, 1));
            const reader = await open([`${at}/{t}`], { query: { state } });
            await publishing;
            const published = (await logs[0]!.readAfter(0, 1_000_000))
              .filter((update) => update.topics[0]!.startsWith(`${at}/`))
              .map((update) => ({ topic: update.topics[0]!, data: update.data }));
            const last = published.at(-1)!.data;
            const received: string[] = [];
            while (received.at(-1) !== last) received.push((await reader.next()).data);
            assert.equal(await reader.nothingWithin(30), undefined);
            reader.close();
            // Some head h splits it: the state of the first h updates, then every update after h.
            const fits = published.some((_, h) => {
              const expected = [...expectedState(published.slice(0, h), state), ...published.slice(h)];
              return JSON.stringify(expected.map((u) => u.data)) === JSON.stringify(received);
            });
            const whole = [...expectedState(published, state)].map((u) => u.data);
            assert.ok(fits || JSON.stringify(whole) === JSON.stringify(received), `received ${received.join(' ')}`);
          },
        ),
        { numRuns: 12 },
      );
    });

    if (backend.shared) {
      test('a subscriber on node B gets the state published through node A', async () => {
        const log = await backend.open();
        logs.push(log);
        const nodeB = await startHub({ log, allowAnonymous: true });
        hubs.push(nodeB);
        const at = area();
        await send(`${at}/stocks/A`, 'A 1');
        await send(`${at}/stocks/B`, 'B 1');
        await send(`${at}/stocks/A`, 'A 2');
        const reader = await subscribe(nodeB.endpoint, [`${at}/stocks/{symbol}`], { query: { state: 'latest' } });
        readers.push(reader);
        assert.deepEqual(await take(reader, 2), ['B 1', 'A 2']);
        await send(`${at}/stocks/B`, 'B 2');
        assert.deepEqual(await take(reader, 1), ['B 2']);
        assert.equal(await reader.nothingWithin(100), undefined);
      });
    }
  });
}

/** The state of `log` (oldest first) as the hub must choose it, written independently of the hub's code. */
function expectedState<T extends { topic: string }>(log: T[], state: string): T[] {
  if (state === 'latest') {
    return log.filter((update, i) => !log.slice(i + 1).some((later) => later.topic === update.topic));
  }
  return log.slice(Math.max(0, log.length - Number(state.slice('last:'.length))));
}
