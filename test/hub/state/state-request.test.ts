/**
 * [NON-SPEC] The `state` query parameter: every malformed or unbounded value is a 400 with the hub's JSON
 * error, before a stream opens or history is read; a 1.0 `match` request may ask too; a log that cannot be
 * read closes the stream.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseStateRequest } from '../../../src/hub/fanout/state-request.js';
import { HttpRejection } from '../../../src/hub/http-errors.js';
import { createMemoryLog } from '../../../src/hub/log/memory.js';
import { hubForSuite, publishOk, startHub } from '../../fixtures/hub.js';
import { openStream } from '../../fixtures/sse-reader.js';

const params = (...values: string[]) => new URLSearchParams(values.map((value) => ['state', value]));

describe('[NON-SPEC] the state parameter', () => {
  test('latest, last:N and their @selector forms parse into one mode per named selector and one for the others', () => {
    assert.equal(parseStateRequest(new URLSearchParams('topic=/a'), ['/a'], 100), undefined);
    const request = parseStateRequest(
      params('latest', 'last:7@/news', 'last:100@/b:c@d'),
      ['/s/{x}', '/news', '/b:c@d'],
      100,
    );
    assert.deepEqual(request?.others, { kind: 'latest' });
    assert.deepEqual(
      [...(request?.bySelector ?? [])],
      [
        ['/news', { kind: 'last', count: 7 }],
        ['/b:c@d', { kind: 'last', count: 100 }],
      ],
    );
  });

  test('a bad value throws a 400 that says what is allowed', () => {
    const cases: [string[], RegExp][] = [
      [['newest'], /latest or last:N/],
      [['last'], /latest or last:N/],
      [['last:0'], /latest or last:N/],
      [['last:-1'], /latest or last:N/],
      [['last:01'], /latest or last:N/],
      [['last:1.5'], /latest or last:N/],
      [['last:99999999999'], /latest or last:N/],
      [['last:101'], /at most N=100/],
      [['LATEST'], /latest or last:N/],
      [[''], /latest or last:N/],
      [['latest@/elsewhere'], /not a topic parameter/],
      [['latest@'], /not a topic parameter/],
      [['latest', 'last:2'], /only one state value without @selector/],
      [['latest@/a', 'last:2@/a'], /same selector twice/],
      [['latest@/a', 'latest@/a', 'latest'], /at most one state value per topic/],
    ];
    for (const [values, message] of cases) {
      assert.throws(
        () => parseStateRequest(params(...values), ['/a'], 100),
        (error: unknown) => error instanceof HttpRejection && error.status === 400 && message.test(error.message),
        JSON.stringify(values),
      );
    }
  });

  test('thousands of state values are refused by count before any is parsed', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => `latest@/t${i}`);
    assert.throws(() => parseStateRequest(params(...values), ['/t0'], 100), /at most one state value per topic/);
  });

  describe('on a hub', () => {
    const suite = hubForSuite({ allowAnonymous: true, maxStateUpdates: 20 });
    for (const query of ['state=last:21', 'state=soon', 'state=latest@/b', 'state=latest&state=latest']) {
      test(`?${query} answers 400 HOTLINE_HUB_BAD_REQUEST in JSON, and opens no stream`, async () => {
        const response = await fetch(`${suite.running.endpoint}?topic=/a&${query}`, {
          headers: { Accept: 'text/event-stream, application/json' },
        });
        assert.equal(response.status, 400);
        assert.match(response.headers.get('content-type') ?? '', /application\/json/);
        const body = (await response.json()) as { error: { code: string; message: string } };
        assert.equal(body.error.code, 'HOTLINE_HUB_BAD_REQUEST');
        assert.match(body.error.message, /state/);
        assert.equal(suite.running.hub.stats().subscribers, 0);
      });
    }

    test('a Mercure 1.0 match subscriber may ask for state too; the state ends with the `: state end` comment', async () => {
      const { endpoint } = suite.running;
      for (const data of ['m1', 'm2', 'm3']) await publishOk(endpoint, { topic: '/m/news', data }, suite.publisher);
      const stream = await openStream(`${endpoint}?match=/m/news&state=last:2`);
      const plain = await openStream(`${endpoint}?match=/m/news`);
      try {
        assert.equal(stream.status, 200);
        await stream.until(() => stream.comments.includes('state end'));
        assert.deepEqual(
          stream.events.map((event) => event.data),
          ['m2', 'm3'],
        );
        const text = stream.text();
        assert.ok(text.indexOf('data: m3') < text.indexOf(': state end'), text);
        await publishOk(endpoint, { topic: '/m/news', data: 'm4' }, suite.publisher);
        await plain.until(() => plain.events.length === 1);
        assert.equal(plain.events[0]?.data, 'm4');
        assert.ok(!plain.comments.includes('state end'), 'no state asked, no state comment');
      } finally {
        stream.close();
        plain.close();
      }
    });
  });
});

test('[NON-SPEC] a state that cannot be read from the log closes the stream with nothing written (never live updates past a missing state)', async () => {
  const log = createMemoryLog();
  const unreadable = new Proxy(log, {
    get(target, property) {
      if (property === 'readBefore') return async () => Promise.reject(new Error('history unreadable: disk gone'));
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const running = await startHub({ allowAnonymous: true, log: unreadable });
  try {
    await running.hub.publish({ topics: ['urn:s'], data: 'state' });
    const stream = await openStream(`${running.endpoint}?topic=urn:s&state=latest`);
    assert.equal(stream.status, 200);
    await stream.ended;
    assert.deepEqual(stream.events, [], 'no state, and no live update past a state that was not sent');
    assert.ok(!stream.comments.includes('state end'));
    assert.equal(running.hub.subscriberCount, 0);
  } finally {
    await running.close();
  }
});
