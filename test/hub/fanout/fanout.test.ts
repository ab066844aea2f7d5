/**
 * createFanout through its one interface, on a real memory log and the hub's real metrics; the streams
 * record the frames written to them, as a session's sink would send them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { createFanout, Subscriber, type SubscriberStream } from '../../../src/hub/fanout/index.js';
import { createMemoryLog } from '../../../src/hub/log/memory.js';
import { createHubMetrics } from '../../../src/hub/metrics.js';
import { compileSelector, createTopicMatcher, TEMPLATE_BOUNDS } from '../../../src/hub/topics/index.js';
import type { NewUpdate } from '../../../src/hub/update.js';

class RecordingStream implements SubscriberStream {
  readonly frames: string[] = [];
  closed = false;
  writeFrame(frame: Uint8Array): boolean {
    this.frames.push(new TextDecoder().decode(frame));
    return true;
  }
  close(): void {
    this.closed = true;
  }
}

function setup() {
  const log = createMemoryLog();
  const metrics = createHubMetrics(log);
  const fanout = createFanout({
    log,
    matcher: createTopicMatcher(),
    slowConsumers: {},
    maxBufferedBytes: 1024 * 1024,
    maxReplay: 100,
    maxStateUpdates: 100,
    maxStateScan: 10_000,
    metrics,
    logger: pino({ level: 'silent' }),
  });
  const subscriber = (selectors: string[], stream = new RecordingStream()) =>
    new Subscriber({
      id: `urn:uuid:${selectors.join()}`,
      selectors: selectors.map((s) => compileSelector(s, TEMPLATE_BOUNDS)),
      privateSelectors: [],
      payload: undefined,
      stream,
    });
  const update = (id: string, topic: string): NewUpdate => ({
    id,
    topics: [topic],
    data: id,
    private: false,
    type: undefined,
    retry: undefined,
    publishedAt: Date.now(),
  });
  return { log, metrics, fanout, subscriber, update };
}

test('attach replays what was missed, then dispatch writes each update once to each subscriber that wants it', async () => {
  const { log, fanout, subscriber, update } = setup();
  await log.append(update('a1', 'https://example.com/a'));
  const books = subscriber(['https://example.com/{x}', 'https://example.com/a']);
  const other = subscriber(['https://example.com/b']);
  await fanout.attach(books, 'earliest');
  await fanout.attach(other, undefined);
  fanout.dispatch(await log.append(update('a2', 'https://example.com/a')));
  fanout.dispatch(await log.append(update('b1', 'https://example.com/b')));

  const ids = (s: Subscriber) => (s.stream as RecordingStream).frames.map((f) => /^id: (.*)$/m.exec(f)?.[1]);
  assert.deepEqual(ids(books), ['a1', 'a2', 'b1'], 'matched by two selectors, written once');
  assert.deepEqual(ids(other), ['b1']);
  assert.deepEqual(fanout.stats(), {
    subscribers: 2,
    selectors: [
      { selector: 'https://example.com/{x}', subscribers: 1 },
      { selector: 'https://example.com/a', subscribers: 1 },
      { selector: 'https://example.com/b', subscribers: 1 },
    ],
    deliveries: 4,
  });
});

test('detach releases the subscriber’s limits once and stops its deliveries, however often its stream closes', async () => {
  const { log, metrics, fanout, subscriber, update } = setup();
  const s = subscriber(['https://example.com/a']);
  let released = 0;
  await fanout.attach(s, undefined, () => released++);
  assert.equal(fanout.size, 1);
  fanout.detach(s, true);
  fanout.detach(s, true);
  fanout.dispatch(await log.append(update('late', 'https://example.com/a')));

  assert.equal(released, 1);
  assert.equal(fanout.size, 0);
  assert.deepEqual((s.stream as RecordingStream).frames, []);
  const text = await metrics.registry.metrics();
  assert.match(text, /^hotline_disconnects_total 1$/m);
  assert.match(text, /^hotline_slow_consumer_disconnects_total 1$/m);
});

test('closeAll closes every attached stream, even when one of them throws while closing', async () => {
  const { fanout, subscriber } = setup();
  const throwing = new RecordingStream();
  throwing.close = () => {
    throw new Error('a close listener failed');
  };
  const healthy = new RecordingStream();
  await fanout.attach(subscriber(['urn:a'], throwing), undefined);
  await fanout.attach(subscriber(['urn:b'], healthy), undefined);
  fanout.closeAll();
  assert.equal(healthy.closed, true);
});
