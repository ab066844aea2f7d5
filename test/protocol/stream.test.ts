import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
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
