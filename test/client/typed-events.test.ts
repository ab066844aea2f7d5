import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connect } from '../../src/client/index.js';
import type { SchemaError } from '../../src/protocol/index.js';
import { createSession } from '../../src/server/index.js';
import { LIBRARIES } from '../fixtures/schemas.js';
import { startTestServer, streamHead } from '../fixtures/sse-test-server.js';

/** What a test compares of each yielded event. */
function summary(event: { type: string; data: unknown; error?: SchemaError | undefined }) {
  return event.error === undefined ? [event.type, event.data] : [event.type, event.data, event.error.code];
}

for (const { name, schemas, text, asyncString } of LIBRARIES) {
  describe(`typed events in connect() (${name})`, () => {
    test('end to end: what a typed session sends arrives parsed and typed', async () => {
      const server = await startTestServer((req, res) => {
        const session = createSession(req, res, { schemas: { ...schemas, message: text }, heartbeatMs: 0 });
        session.send({ symbol: 'ACME', price: 12.5 }, { event: 'price', id: '1' });
        session.send({ team: 'home', minute: 42 }, { event: 'goal', id: '2' });
        session.send('plain text, quoted on the wire', { event: 'message', id: '3' });
      });
      const seen: unknown[] = [];
      for await (const event of connect(server.url, { schemas: { ...schemas, message: text } })) {
        assert.equal(event.error, undefined);
        if (event.type === 'price') seen.push(event.data.price);
        else if (event.type === 'goal') seen.push(event.data.minute);
        else if (event.type === 'message') seen.push(event.data);
        if (seen.length === 3) break;
      }
      assert.deepEqual(seen, [12.5, 42, 'plain text, quoted on the wire']);
      await server.close();
    });

    test('a mismatch, an unknown type or data that is not JSON is an InvalidEvent in the iteration, not a crash and not dropped', async () => {
      const server = await startTestServer((_req, res) => {
        streamHead(res);
        res.write('event: price\nid: 1\ndata: {"symbol":"A","price":1}\n\n');
        res.write('event: price\nid: 2\ndata: {"symbol":"A","price":"free"}\n\n');
        res.write('event: weather\nid: 3\ndata: {}\n\n');
        res.write('event: goal\nid: 4\ndata: not json\n\n');
        res.write('event: goal\nid: 5\ndata: {"team":"away","minute":7}\n\n');
      });
      const invalid: SchemaError[] = [];
      const events: unknown[][] = [];
      for await (const event of connect(server.url, { schemas, onEvent: (e) => e.error && invalid.push(e.error) })) {
        events.push(summary(event));
        if (event.lastEventId === '5') break;
      }
      assert.deepEqual(events, [
        ['price', { symbol: 'A', price: 1 }],
        ['price', '{"symbol":"A","price":"free"}', 'HOTLINE_SCHEMA_MISMATCH'],
        ['weather', '{}', 'HOTLINE_SCHEMA_MISMATCH'],
        ['goal', 'not json', 'HOTLINE_SCHEMA_MISMATCH'],
        ['goal', { team: 'away', minute: 7 }],
      ]);
      assert.deepEqual(
        invalid.map((e) => e.eventType),
        ['price', 'weather', 'goal'],
      );
      assert.ok((invalid[0]?.issues.length ?? 0) > 0, 'the validator issues are kept');
      await server.close();
    });

    test('an asynchronous schema keeps the stream order', async () => {
      const server = await startTestServer((_req, res) => {
        streamHead(res);
        for (let i = 1; i <= 20; i++) {
          const frame = i % 3 === 0 ? `event: note\ndata: "n${i}"` : `event: sync\ndata: "s${i}"`;
          res.write(`${frame}\nid: ${i}\n\n`);
        }
      });
      const ids: string[] = [];
      for await (const event of connect(server.url, { schemas: { note: asyncString, sync: text } })) {
        assert.equal(event.error, undefined);
        ids.push(event.lastEventId);
        if (ids.length === 20) break;
      }
      assert.deepEqual(
        ids,
        Array.from({ length: 20 }, (_, i) => String(i + 1)),
      );
      await server.close();
    });
  });
}
