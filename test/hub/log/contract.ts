/**
 * The one contract every EventLog backend passes. A backend's test file calls {@link eventLogContract}
 * with a factory; durable and shared backends also run the restart and two-node cases.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { EventLog, FollowerErrorContext, LogOptions } from '../../../src/hub/log/event-log.js';
import type { NewUpdate, StoredUpdate } from '../../../src/hub/update.js';

export interface LogHarness {
  /**
   * Opens a log on storage identified by `name` (the same name reaches the same data: a file, a key, a
   * stream); each test uses a fresh name.
   */
  open(name: string, options?: LogOptions): Promise<EventLog>;
  /** Deletes the storage behind `name`. */
  destroy?(name: string): Promise<void>;
}

export interface ContractOptions {
  /** Data survives close() and a new open() of the same name. */
  durable: boolean;
  /** Two logs open on the same name see each other's appends (multi-node). */
  shared: boolean;
  /** Reason to skip the whole suite (e.g. the service is down); undefined to run. */
  skip?: string | false;
}

let counter = 0;
export function update(overrides: Partial<NewUpdate> = {}): NewUpdate {
  counter++;
  return {
    id: `urn:test:${counter}`,
    topics: ['https://example.com/books/1'],
    data: `payload ${counter}`,
    private: false,
    // Backends return both optional fields, set or undefined, so the fixture has both keys too.
    type: undefined,
    retry: undefined,
    publishedAt: Date.now(),
    ...overrides,
  };
}

function waitFor<T>(get: () => T | undefined, label: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const value = get();
      if (value !== undefined) return resolve(value);
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${label}`));
      setTimeout(tick, 5);
    };
    tick();
  });
}

const strip = (u: StoredUpdate) => {
  const { position: _position, ...rest } = u;
  return rest;
};

export function eventLogContract(name: string, harness: LogHarness, options: ContractOptions): void {
  describe(`EventLog contract: ${name}`, { skip: options.skip ?? false }, () => {
    const opened: EventLog[] = [];
    const names: string[] = [];
    let seq = 0;
    const fresh = async (logOptions?: LogOptions) => {
      const storage = `contract-${process.pid}-${Date.now()}-${seq++}`;
      names.push(storage);
      const log = await harness.open(storage, logOptions);
      opened.push(log);
      return { log, storage };
    };
    const reopen = async (storage: string, logOptions?: LogOptions) => {
      const log = await harness.open(storage, logOptions);
      opened.push(log);
      return log;
    };

    after(async () => {
      await Promise.allSettled(opened.map((log) => log.close()));
      if (harness.destroy) await Promise.allSettled(names.map((n) => harness.destroy!(n)));
    });

    test('an empty log has head 0, no last update and size 0', async () => {
      const { log } = await fresh();
      assert.equal(await log.head(), 0);
      assert.equal(await log.last(), undefined);
      assert.equal(await log.size(), 0);
      assert.deepEqual(await log.readAfter(0, 10), []);
      assert.equal(await log.findPosition('nope'), undefined);
    });

    test('append stores every field and gives strictly increasing positions', async () => {
      const { log } = await fresh();
      const a = update({ type: 'price', retry: 0, private: true, topics: ['/a', '/b'] });
      const b = update({ data: '', type: undefined, retry: undefined });
      const storedA = await log.append(a);
      const storedB = await log.append(b);
      assert.ok(Number.isSafeInteger(storedA.position) && storedA.position > 0);
      assert.ok(storedB.position > storedA.position);
      assert.deepEqual(strip(storedA), a);
      assert.deepEqual(strip(storedB), { ...b, type: undefined, retry: undefined });
      assert.equal(await log.head(), storedB.position);
      assert.deepEqual(await log.last(), storedB);
      assert.equal(await log.size(), 2);
    });

    test('data is kept byte-exact: multi-line, leading spaces, unicode, empty', async () => {
      const { log } = await fresh();
      for (const data of ['', ' lead', 'a\nb\r\nc\rd', '☃ 𝄞 é', 'x'.repeat(100_000), '{"json":true}']) {
        const stored = await log.append(update({ data }));
        const [read] = await log.readAfter(stored.position - 1, 1);
        assert.equal(read?.data, data);
      }
    });

    test('readAfter returns updates after a position, oldest first, up to a limit', async () => {
      const { log } = await fresh();
      const stored: StoredUpdate[] = [];
      for (let i = 0; i < 10; i++) stored.push(await log.append(update()));
      assert.deepEqual(await log.readAfter(0, 100), stored);
      assert.deepEqual(await log.readAfter(stored[3]!.position, 100), stored.slice(4));
      assert.deepEqual(await log.readAfter(stored[3]!.position, 2), stored.slice(4, 6));
      assert.deepEqual(await log.readAfter(stored[9]!.position, 100), []);
    });

    test('readBefore returns updates before a position, newest first, up to a limit', async () => {
      const { log } = await fresh();
      assert.deepEqual(await log.readBefore(Number.MAX_SAFE_INTEGER, 10), []);
      const stored: StoredUpdate[] = [];
      for (let i = 0; i < 10; i++) stored.push(await log.append(update()));
      const newestFirst = [...stored].reverse();
      assert.deepEqual(await log.readBefore(Number.MAX_SAFE_INTEGER, 100), newestFirst);
      assert.deepEqual(await log.readBefore(stored[9]!.position + 1, 3), newestFirst.slice(0, 3));
      assert.deepEqual(await log.readBefore(stored[6]!.position, 100), newestFirst.slice(4));
      assert.deepEqual(await log.readBefore(stored[6]!.position, 2), newestFirst.slice(4, 6));
      assert.deepEqual(await log.readBefore(stored[0]!.position, 100), []);
      assert.deepEqual(await log.readBefore(stored[5]!.position, 0), []);
    });

    test('readBefore pages back to the oldest retained update and no further', async () => {
      const { log } = await fresh({ maxEvents: 5 });
      const stored: StoredUpdate[] = [];
      for (let i = 0; i < 12; i++) stored.push(await log.append(update()));
      const pages: StoredUpdate[] = [];
      let before = Number.MAX_SAFE_INTEGER;
      for (;;) {
        const page = await log.readBefore(before, 2);
        pages.push(...page);
        if (page.length < 2) break;
        before = page.at(-1)!.position;
      }
      assert.deepEqual(pages, stored.slice(7).reverse());
    });

    test('concurrent appends all get distinct positions in the order read back', async () => {
      const { log } = await fresh();
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => log.append(update({ data: String(i) }))));
      const positions = results.map((r) => r.position);
      assert.equal(new Set(positions).size, 100);
      const read = await log.readAfter(0, 1000);
      assert.deepEqual(
        read.map((r) => r.position),
        [...positions].sort((x, y) => x - y),
      );
    });

    test('findPosition returns the oldest stored occurrence of a repeated id', async () => {
      const { log } = await fresh();
      const first = await log.append(update({ id: 'dup' }));
      await log.append(update());
      await log.append(update({ id: 'dup' }));
      assert.equal(await log.findPosition('dup'), first.position);
      assert.equal(await log.findPosition('unknown'), undefined);
    });

    test('findPosition tells apart ids that prefix each other and ids with unusual characters', async () => {
      const { log } = await fresh();
      const ids = ['a', 'ab', 'a b', 'a.b', 'a.*', 'a.>', 'urn:uuid:☃', 'x'.repeat(2000), 'a\u0001'];
      const positions = new Map<string, number>();
      for (const id of ids) positions.set(id, (await log.append(update({ id }))).position);
      for (const id of ids) assert.equal(await log.findPosition(id), positions.get(id), JSON.stringify(id));
      assert.equal(await log.findPosition('a.'), undefined);
      assert.equal(await log.findPosition(''), undefined);
    });

    test('a follower behind a trimmed head gets what is still stored, then live updates', async () => {
      const { log } = await fresh({ maxEvents: 3 });
      const stored: StoredUpdate[] = [];
      for (let i = 0; i < 6; i++) stored.push(await log.append(update()));
      const seen: StoredUpdate[] = [];
      const follower = log.follow(stored[0]!.position, (u) => seen.push(u));
      // The backlog is read before the next append, which would trim the oldest of it.
      await waitFor(() => (seen.length >= 3 ? true : undefined), 'the stored backlog');
      const live = await log.append(update());
      await waitFor(() => (seen.at(-1)?.position === live.position ? true : undefined), 'the live update');
      follower.close();
      assert.deepEqual(seen, [...stored.slice(3), live]);
    });

    test('maxEvents keeps only the newest updates and forgets the ids of evicted ones', async () => {
      const { log } = await fresh({ maxEvents: 5 });
      const stored: StoredUpdate[] = [];
      for (let i = 0; i < 12; i++) stored.push(await log.append(update({ id: `e${i}` })));
      assert.equal(await log.size(), 5);
      assert.deepEqual(await log.readAfter(0, 100), stored.slice(7));
      assert.equal(await log.findPosition('e0'), undefined);
      assert.equal(await log.findPosition('e6'), undefined);
      assert.equal(await log.findPosition('e7'), stored[7]!.position);
    });

    test('a repeated id resolves to its oldest occurrence that is still stored', async () => {
      const { log } = await fresh({ maxEvents: 3 });
      await log.append(update({ id: 'r' }));
      await log.append(update());
      const second = await log.append(update({ id: 'r' }));
      await log.append(update());
      assert.equal(await log.findPosition('r'), second.position);
    });

    test('maxAgeMs drops updates older than the limit', async () => {
      const { log } = await fresh({ maxAgeMs: 1000 });
      await log.append(update({ id: 'old', publishedAt: Date.now() - 5000 }));
      const fresh1 = await log.append(update({ id: 'new' }));
      assert.equal(await log.findPosition('old'), undefined);
      assert.deepEqual(await log.readAfter(0, 10), [fresh1]);
      assert.equal(await log.size(), 1);
    });

    test('follow delivers every later append once, in order, until closed', async () => {
      const { log } = await fresh();
      const before = await log.append(update());
      const seen: StoredUpdate[] = [];
      const follower = log.follow(before.position, (u) => seen.push(u));
      const appended: StoredUpdate[] = [];
      for (let i = 0; i < 20; i++) appended.push(await log.append(update()));
      await waitFor(() => (seen.length >= 20 ? true : undefined), '20 followed updates');
      assert.deepEqual(seen, appended);
      follower.close();
      await log.append(update());
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(seen.length, 20);
    });

    test('follow from an older position catches up first, then goes live, with no gap or duplicate', async () => {
      const { log } = await fresh();
      const backlog: StoredUpdate[] = [];
      for (let i = 0; i < 5; i++) backlog.push(await log.append(update()));
      const seen: StoredUpdate[] = [];
      log.follow(backlog[1]!.position, (u) => seen.push(u));
      // Appends racing with the catch-up must still come exactly once, after the backlog.
      const live = await Promise.all([log.append(update()), log.append(update())]);
      await waitFor(() => (seen.length >= 5 ? true : undefined), 'backlog and live updates');
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(
        seen.map((u) => u.position),
        [...backlog.slice(2), ...live].map((u) => u.position).sort((a, b) => a - b),
      );
    });

    test('a follower that throws is isolated: the append resolves, the others get the update, it keeps following', async () => {
      const reports: { message: string; context: FollowerErrorContext }[] = [];
      const { log } = await fresh({
        onFollowerError: (error, context) => reports.push({ message: (error as Error).message, context }),
      });
      const head = await log.head();
      const first: StoredUpdate[] = [];
      const throwing: StoredUpdate[] = [];
      const rejecting: StoredUpdate[] = [];
      const last: StoredUpdate[] = [];
      // The failing followers sit between the healthy ones, so an update that stopped at them would show.
      const followers = [
        log.follow(head, (u) => first.push(u)),
        log.follow(head, (u) => {
          throwing.push(u);
          throw new Error(`sync ${u.position}`);
        }),
        log.follow(head, async (u) => {
          rejecting.push(u);
          throw new Error(`async ${u.position}`);
        }),
        log.follow(head, (u) => last.push(u)),
      ];
      try {
        // The first update may reach a local follower through its catch-up; the next ones reach it live,
        // from inside append, where a throw used to reject the append of an update already stored.
        const appended: StoredUpdate[] = [];
        for (let i = 0; i < 3; i++) {
          const input = update();
          const stored = await log.append(input);
          assert.deepEqual(strip(stored), input);
          assert.ok(stored.position > (appended.at(-1)?.position ?? head));
          appended.push(stored);
          await waitFor(
            () => (first.length === appended.length && last.length === appended.length ? true : undefined),
            `append ${i} at both healthy followers`,
          );
        }
        await waitFor(() => (reports.length >= 6 ? true : undefined), 'six reported failures');
        assert.deepEqual(first, appended);
        assert.deepEqual(last, appended);
        assert.deepEqual(throwing, appended);
        assert.deepEqual(rejecting, appended);
        const expected = appended.flatMap(({ position }) =>
          ['sync', 'async'].map((kind) => ({
            message: `${kind} ${position}`,
            context: { log: log.kind, position, source: 'listener' },
          })),
        );
        const byMessage = (a: { message: string }, b: { message: string }) => a.message.localeCompare(b.message);
        assert.deepEqual([...reports].sort(byMessage), expected.sort(byMessage));
      } finally {
        for (const follower of followers) follower.close();
      }
    });

    test('without onFollowerError a throwing follower is reported as a HotlineWarning', async () => {
      const { log } = await fresh();
      const warnings: Error[] = [];
      const onWarning = (warning: Error) => warnings.push(warning);
      process.on('warning', onWarning);
      const follower = log.follow(await log.head(), () => {
        throw new Error('listener bug');
      });
      try {
        const stored = await log.append(update());
        await waitFor(() => warnings.find((w) => w.message.includes('listener bug')), 'the warning');
        const warning = warnings.find((w) => w.message.includes('listener bug'))!;
        assert.equal(warning.name, 'HotlineWarning');
        assert.match(warning.message, new RegExp(`^${log.kind} log, position ${stored.position}: a follower threw`));
      } finally {
        follower.close();
        process.off('warning', onWarning);
      }
    });

    test('an update appended by a listener comes after the one it was handed, for every follower', async () => {
      const { log } = await fresh();
      const warm = await log.append(update());
      let inner: Promise<StoredUpdate> | undefined;
      const seenByEach = [[], []] as StoredUpdate[][];
      const followers = [
        log.follow(warm.position - 1, (u) => {
          seenByEach[0]!.push(u);
          if (u.data === 'outer') inner = log.append(update({ data: 'inner' }));
        }),
        log.follow(warm.position - 1, (u) => seenByEach[1]!.push(u)),
      ];
      try {
        // Both followers are live once they have the warm-up update; the next append reaches them from
        // inside append, and the first one appends again from there.
        await waitFor(() => (seenByEach.every((seen) => seen.length === 1) ? true : undefined), 'the warm-up');
        const outer = await log.append(update({ data: 'outer' }));
        const appendedInside = await waitFor(() => inner, 'the inner append');
        await waitFor(() => (seenByEach.every((seen) => seen.length === 3) ? true : undefined), 'both updates');
        for (const seen of seenByEach) assert.deepEqual(seen, [warm, outer, appendedInside]);
      } finally {
        for (const follower of followers) follower.close();
      }
    });

    if (options.durable) {
      test('a reopened log keeps its updates, ids and positions', async () => {
        const { log, storage } = await fresh();
        const a = await log.append(update({ id: 'keep' }));
        const b = await log.append(update());
        await log.close();
        const again = await reopen(storage);
        assert.deepEqual(await again.readAfter(0, 10), [a, b]);
        assert.equal(await again.findPosition('keep'), a.position);
        assert.equal(await again.head(), b.position);
        const c = await again.append(update());
        assert.ok(c.position > b.position);
      });
    }

    if (options.shared) {
      test('two logs on the same storage see one order and each other’s appends', async () => {
        const { log: one, storage } = await fresh();
        const two = await reopen(storage);
        const seenByTwo: StoredUpdate[] = [];
        const seenByOne: StoredUpdate[] = [];
        two.follow(0, (u) => seenByTwo.push(u));
        one.follow(0, (u) => seenByOne.push(u));
        const appended: StoredUpdate[] = [];
        for (let i = 0; i < 10; i++) appended.push(await (i % 2 === 0 ? one : two).append(update()));
        await waitFor(() => (seenByTwo.length >= 10 && seenByOne.length >= 10 ? true : undefined), 'both followers');
        assert.deepEqual(seenByOne, appended);
        assert.deepEqual(seenByTwo, appended);
        assert.equal(await two.findPosition(appended[0]!.id), appended[0]!.position);
      });
    }

    test('health is ok while open', async () => {
      const { log } = await fresh();
      assert.equal((await log.health()).ok, true);
    });
  });
}
