/**
 * connect() resumes from the last event ID string of HTML §9.2.6: the id as of the last blank line (an
 * id-only block's included), never the `id:` of a block the end of the stream cut off.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connect, memoryCursor } from '../../src/client/index.js';
import { startTestServer, streamHead } from '../fixtures/sse-test-server.js';

/** Serves `first` then ends; later connections get `data: b`. Returns the first two events and what was sent. */
async function reconnectAfter(first: string) {
  const server = await startTestServer((_req, res, attempt) => {
    streamHead(res);
    if (attempt === 1) res.end(first);
    else res.write('data: b\n\n');
  });
  const cursor = memoryCursor();
  const connection = connect(server.url, { cursor, reconnect: { minDelayMs: 5, maxDelayMs: 10 } });
  const events: { data: string; lastEventId: string }[] = [];
  try {
    for await (const event of connection) {
      events.push({ data: event.data, lastEventId: event.lastEventId });
      if (events.length === 2) break;
    }
    return { events, lastEventIdHeader: server.requests[1]?.headers['last-event-id'], cursor: cursor.get() };
  } finally {
    connection.close();
    await server.close();
  }
}

describe('connect() and the last event ID string', () => {
  // spec(§9.2.6) dispatch step 1, "Set the last event ID string of the event source to the value of the last
  // event ID buffer", comes before "If the data buffer is an empty string ... return".
  test('an id-only block sets it: the reconnection sends 7, the next event carries 7, the cursor holds 7', async () => {
    const r = await reconnectAfter('data: a\nid: 1\n\nid: 7\n\n');
    assert.equal(r.lastEventIdHeader, '7');
    assert.deepEqual(r.events, [
      { data: 'a', lastEventId: '1' },
      { data: 'b', lastEventId: '7' },
    ]);
    assert.equal(r.cursor, '7');
  });

  test("a shared connection (the leader tab) saves an id-only block's id in the cursor at its blank line", async () => {
    // The stream stays open after the id-only block: no later event can carry the id to the cursor.
    const server = await startTestServer((_req, res) => {
      streamHead(res);
      res.write('data: a\nid: 1\n\nid: 7\n\n');
    });
    const cursor = memoryCursor();
    const connection = connect(server.url, { cursor, share: { name: `last-id-${process.pid}` } });
    try {
      for await (const event of connection) {
        assert.equal(event.lastEventId, '1');
        break;
      }
      for (let waited = 0; cursor.get() !== '7' && waited < 2000; waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(cursor.get(), '7');
    } finally {
      connection.close();
      await server.close();
    }
  });

  // spec(§9.2.6): "If the file ends in the middle of an event, before the final empty line, the incomplete
  // event is not dispatched." (WPT format-data-before-final-empty-line)
  test('the id of an event cut off before its final empty line is neither sent, nor carried, nor saved', async () => {
    const r = await reconnectAfter('data:test1\n\nid:test\ndata:test2');
    assert.equal(r.lastEventIdHeader, undefined);
    assert.deepEqual(r.events, [
      { data: 'test1', lastEventId: '' },
      { data: 'b', lastEventId: '' },
    ]);
    assert.equal(r.cursor, undefined);
  });
});
