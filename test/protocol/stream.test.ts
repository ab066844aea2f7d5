import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HotlineError, HotlineTypeError } from '../../src/errors.js';
import { EventStreamParserStream, iterateEvents } from '../../src/protocol/stream.js';
import type { ParsedEvent } from '../../src/protocol/types.js';

function streamOf(chunks: (string | Uint8Array)[]): ReadableStream<string | Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

describe('EventStreamParserStream', () => {
  test('turns byte chunks into events', async () => {
    const bytes = new TextEncoder().encode('retry: 5\ndata: a\n\nevent: b\ndata: 2\n\n');
    const retries: number[] = [];
    const events: ParsedEvent[] = [];
    await streamOf([bytes.subarray(0, 7), bytes.subarray(7)])
      .pipeThrough(new EventStreamParserStream({ onRetry: (ms) => retries.push(ms) }))
      .pipeTo(new WritableStream({ write: (e) => void events.push(e) }));
    assert.deepEqual(events, [
      { type: 'message', data: 'a', lastEventId: '' },
      { type: 'b', data: '2', lastEventId: '' },
    ]);
    assert.deepEqual(retries, [5]);
  });

  test('starts from a given last event id', async () => {
    const events: ParsedEvent[] = [];
    await streamOf(['data: a\n\n'])
      .pipeThrough(new EventStreamParserStream({}, { lastEventId: '41' }))
      .pipeTo(new WritableStream({ write: (e) => void events.push(e) }));
    assert.equal(events[0]?.lastEventId, '41');
  });
});

describe('iterateEvents', () => {
  test('yields every event of a stream', async () => {
    const seen: string[] = [];
    for await (const event of iterateEvents(streamOf(['data: 1\n\ndata: 2\n', '\n']))) seen.push(event.data);
    assert.deepEqual(seen, ['1', '2']);
  });

  test('breaking out of the loop cancels the source', async () => {
    let cancelled = false;
    const source = new ReadableStream<string>({
      pull(controller) {
        controller.enqueue('data: tick\n\n');
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const event of iterateEvents(source)) {
      assert.equal(event.data, 'tick');
      break;
    }
    assert.equal(cancelled, true);
  });
});

describe('[NON-SPEC] the stream helpers past maxEventBytes', () => {
  test('iterateEvents yields the events before an oversize one, then throws its error and cancels the source', async () => {
    let cancelled = false;
    let sent = 0;
    const source = new ReadableStream<string>({
      pull(controller) {
        // An endless line after one good event, fed forever until the reader gives up.
        controller.enqueue(sent++ === 0 ? 'data: ok\n\ndata: ' : 'x'.repeat(1024));
      },
      cancel() {
        cancelled = true;
      },
    });
    const seen: string[] = [];
    const reported: string[] = [];
    await assert.rejects(
      async () => {
        const events = iterateEvents(source, { onError: (e) => reported.push(e.code) }, { maxEventBytes: 16 * 1024 });
        for await (const event of events) seen.push(event.data);
      },
      (e: unknown) => e instanceof HotlineError && e.code === 'HOTLINE_PARSE_EVENT_TOO_LARGE',
    );
    assert.deepEqual(seen, ['ok']);
    assert.deepEqual(reported, ['HOTLINE_PARSE_EVENT_TOO_LARGE']);
    assert.equal(cancelled, true);
    assert.ok(sent < 40, `read ${sent} chunks: the stream stopped soon after the bound`);
  });

  test('events of the same chunk after the oversize one are not passed on', async () => {
    const events: ParsedEvent[] = [];
    await assert.rejects(
      streamOf(['id: 1\ndata: a\n\ndata: 123456789\n\nid: 2\ndata: b\n\n'])
        .pipeThrough(new EventStreamParserStream({}, { maxEventBytes: 12 }))
        .pipeTo(new WritableStream({ write: (e) => void events.push(e) })),
      (e: unknown) => e instanceof HotlineError && e.code === 'HOTLINE_PARSE_EVENT_TOO_LARGE',
    );
    assert.deepEqual(
      events.map((e) => e.lastEventId),
      ['1'],
    );
  });

  test('an invalid maxEventBytes throws from the constructor', () => {
    assert.throws(
      () => new EventStreamParserStream({}, { maxEventBytes: -1 }),
      (e: unknown) => e instanceof HotlineTypeError && e.code === 'HOTLINE_PARSE_INVALID_OPTIONS',
    );
  });

  test('a callback that throws without onError errors the stream with its own error', async () => {
    const boom = new Error('boom');
    await assert.rejects(
      streamOf([': hi\n\ndata: a\n\n'])
        .pipeThrough(
          new EventStreamParserStream({
            onComment: () => {
              throw boom;
            },
          }),
        )
        .pipeTo(new WritableStream()),
      (e: unknown) => e === boom,
    );
  });
});
