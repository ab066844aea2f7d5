import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createSqliteLog } from '../../../src/hub/log/sqlite.js';
import { hubForSuite, publishOk, startHub, subscribe, token } from '../../fixtures/hub.js';

describe('hub: history and resume', () => {
  const suite = hubForSuite();

  test('without a last event id, the Last-Event-ID response header names the newest update it may see, or earliest', async () => {
    const empty = await startHub({ allowAnonymous: true });
    try {
      const reader = await subscribe(empty.endpoint, ['/x']);
      assert.equal(reader.response.headers.get('last-event-id'), 'earliest');
      reader.close();
      await publishOk(empty.endpoint, { topic: '/x', data: '1', id: 'newest' }, suite.publisher);
      const again = await subscribe(empty.endpoint, ['/y']);
      assert.equal(again.response.headers.get('last-event-id'), 'newest');
      again.close();
    } finally {
      await empty.close();
    }
  });

  test('Last-Event-ID replays exactly the matching updates after it, then goes live', async () => {
    for (let i = 1; i <= 5; i++)
      await publishOk(
        suite.running.endpoint,
        { topic: i % 2 ? '/r/odd' : '/r/even', data: String(i), id: `r${i}` },
        suite.publisher,
      );
    const reader = await subscribe(suite.running.endpoint, ['/r/odd'], { lastEventId: 'r1' });
    assert.equal((await reader.next()).lastEventId, 'r3');
    assert.equal((await reader.next()).lastEventId, 'r5');
    await publishOk(suite.running.endpoint, { topic: '/r/odd', data: '7', id: 'r7' }, suite.publisher);
    assert.equal((await reader.next()).lastEventId, 'r7');
    reader.close();
  });

  test('the lastEventID query parameter resumes too, for clients that cannot set headers', async () => {
    await publishOk(suite.running.endpoint, { topic: '/q', data: 'a', id: 'q1' }, suite.publisher);
    await publishOk(suite.running.endpoint, { topic: '/q', data: 'b', id: 'q2' }, suite.publisher);
    const reader = await subscribe(suite.running.endpoint, ['/q'], { query: { lastEventID: 'q1' } });
    assert.equal((await reader.next()).lastEventId, 'q2');
    reader.close();
  });

  test('earliest replays the whole history of the selected topics', async () => {
    const topic = `/earliest/${Date.now()}`;
    for (const id of ['e1', 'e2', 'e3'])
      await publishOk(suite.running.endpoint, { topic, data: id, id }, suite.publisher);
    const reader = await subscribe(suite.running.endpoint, [topic], { lastEventId: 'earliest' });
    assert.deepEqual(
      [(await reader.next()).data, (await reader.next()).data, (await reader.next()).data],
      ['e1', 'e2', 'e3'],
    );
    reader.close();
  });

  test('an unknown Last-Event-ID gets an explicit reset event first, then live updates', async () => {
    const reader = await subscribe(suite.running.endpoint, ['/reset'], { lastEventId: 'never-published' });
    const reset = await reader.next();
    assert.equal(reset.type, 'reset');
    assert.deepEqual(JSON.parse(reset.data), { reason: 'unknown-last-event-id', lastEventId: 'never-published' });
    await publishOk(suite.running.endpoint, { topic: '/reset', data: 'live', id: 'after-reset' }, suite.publisher);
    assert.equal((await reader.next()).lastEventId, 'after-reset');
    reader.close();
  });

  test('a reused id resumes after its oldest occurrence still in history: it may redeliver, never lose', async () => {
    await publishOk(suite.running.endpoint, { topic: '/dup', data: '1', id: 'same' }, suite.publisher);
    await publishOk(suite.running.endpoint, { topic: '/dup', data: '2', id: 'other' }, suite.publisher);
    await publishOk(suite.running.endpoint, { topic: '/dup', data: '3', id: 'same' }, suite.publisher);
    const reader = await subscribe(suite.running.endpoint, ['/dup'], { lastEventId: 'same' });
    assert.equal((await reader.next()).data, '2');
    assert.equal((await reader.next()).data, '3');
    reader.close();
  });

  test('private history is replayed only to subscribers allowed to see it', async () => {
    await publishOk(suite.running.endpoint, { topic: '/ph', data: 'mark', id: 'ph0' }, suite.publisher);
    await publishOk(
      suite.running.endpoint,
      { topic: '/ph', data: 'secret', id: 'ph1', private: true },
      suite.publisher,
    );
    await publishOk(suite.running.endpoint, { topic: '/ph', data: 'public', id: 'ph2' }, suite.publisher);
    const anonymous = await subscribe(suite.running.endpoint, ['/ph'], { lastEventId: 'ph0' });
    const allowed = await subscribe(suite.running.endpoint, ['/ph'], {
      lastEventId: 'ph0',
      token: await token({ subscribe: ['/ph'] }),
    });
    assert.equal((await anonymous.next()).lastEventId, 'ph2');
    assert.equal((await allowed.next()).lastEventId, 'ph1');
    assert.equal((await allowed.next()).lastEventId, 'ph2');
    anonymous.close();
    allowed.close();
  });

  test('resuming while publishes keep arriving loses nothing and duplicates nothing', async () => {
    const topic = `/race/${Date.now()}`;
    await publishOk(suite.running.endpoint, { topic, data: '0', id: `${topic}#0` }, suite.publisher);
    let publishing = true;
    let sent = 0;
    const publisherLoop = (async () => {
      while (publishing) {
        sent++;
        await publishOk(suite.running.endpoint, { topic, data: String(sent), id: `${topic}#${sent}` }, suite.publisher);
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    // Several subscribers resume from the start while the suite.publisher runs.
    const readers = await Promise.all(
      [1, 2, 3].map(() => subscribe(suite.running.endpoint, [topic], { lastEventId: `${topic}#0` })),
    );
    await new Promise((r) => setTimeout(r, 150));
    publishing = false;
    await publisherLoop;
    for (const reader of readers) {
      const seen: number[] = [];
      while (seen.length < sent) seen.push(Number((await reader.next()).data));
      assert.deepEqual(
        seen,
        Array.from({ length: sent }, (_, i) => i + 1),
      );
      assert.equal(await reader.nothingWithin(100), undefined);
      reader.close();
    }
  });
});

describe('hub: durable history on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-hub-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a restarted hub resumes a subscriber exactly after its last id, with no loss and no duplicate', async () => {
    const file = join(dir, 'hub.db');
    const publisher = await token({ publish: ['*'] });
    const first = await startHub({ allowAnonymous: true, log: createSqliteLog(file) });
    const reader = await subscribe(first.endpoint, ['/durable']);
    for (let i = 1; i <= 10; i++)
      await publishOk(first.endpoint, { topic: '/durable', data: String(i), id: `d${i}` }, publisher);
    const received: string[] = [];
    for (let i = 0; i < 4; i++) received.push((await reader.next()).lastEventId);
    reader.close();
    await first.close();
    await first.hub.log.close();

    const second = await startHub({ allowAnonymous: true, log: createSqliteLog(file) });
    try {
      const resumed = await subscribe(second.endpoint, ['/durable'], { lastEventId: received.at(-1)! });
      for (let i = 5; i <= 10; i++) received.push((await resumed.next()).lastEventId);
      await publishOk(second.endpoint, { topic: '/durable', data: '11', id: 'd11' }, publisher);
      received.push((await resumed.next()).lastEventId);
      assert.deepEqual(
        received,
        Array.from({ length: 11 }, (_, i) => `d${i + 1}`),
      );
      resumed.close();
    } finally {
      await second.close();
      await second.hub.log.close();
    }
  });
});
