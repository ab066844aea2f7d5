import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SchemaError } from '../../src/protocol/index.js';
import {
  acceptResponse,
  acceptSession,
  createChannel,
  createSession,
  type TypedSession,
} from '../../src/server/index.js';
import { LIBRARIES } from '../fixtures/schemas.js';
import { openStream } from '../fixtures/sse-reader.js';
import { startTestServer, waitUntil } from '../fixtures/sse-test-server.js';

for (const { name, schemas, text, asyncString } of LIBRARIES) {
  describe(`typed send (${name})`, () => {
    test('send validates before encoding: a mismatch or an unknown type throws SchemaError and writes nothing', async () => {
      let session: TypedSession<typeof schemas> | undefined;
      const server = await startTestServer((req, res) => {
        session = createSession(req, res, { schemas, heartbeatMs: 0 });
      });
      const stream = await openStream(server.url);
      try {
        await waitUntil(() => session !== undefined);
        const open = session!;
        assert.equal(open.send({ symbol: 'ACME', price: 1.5 }, { event: 'price', id: '1' }), true);
        const mismatch = (() => {
          try {
            // @ts-expect-error the price of a price event must be a number
            open.send({ symbol: 'ACME', price: 'free' }, { event: 'price', id: '2' });
          } catch (error) {
            return error;
          }
        })();
        assert.ok(mismatch instanceof SchemaError);
        assert.equal(mismatch.code, 'HOTLINE_SCHEMA_MISMATCH');
        assert.equal(mismatch.eventType, 'price');
        assert.ok(mismatch.issues.length > 0);
        assert.throws(
          // @ts-expect-error no schema for this type
          () => open.send({}, { event: 'weather' }),
          (e: unknown) => e instanceof SchemaError && e.code === 'HOTLINE_SCHEMA_MISMATCH' && e.eventType === 'weather',
        );
        open.send({ team: 'home', minute: 12 }, { event: 'goal', id: '3' });
        await stream.until(() => stream.events.length >= 2);
        assert.deepEqual(
          stream.events.map((e) => [e.type, e.lastEventId, JSON.parse(e.data)]),
          [
            ['price', '1', { symbol: 'ACME', price: 1.5 }],
            ['goal', '3', { team: 'home', minute: 12 }],
          ],
          'only the valid events were written',
        );
      } finally {
        stream.close();
        await server.close();
      }
    });

    test('an asynchronous schema is refused by send (HOTLINE_SCHEMA_ASYNC); a typed string is sent as JSON', async () => {
      let session: TypedSession<{ note: typeof asyncString; message: typeof text }> | undefined;
      const server = await startTestServer((req, res) => {
        session = createSession(req, res, { schemas: { note: asyncString, message: text }, heartbeatMs: 0 });
      });
      const stream = await openStream(server.url);
      try {
        await waitUntil(() => session !== undefined);
        assert.throws(
          () => session!.send('hello', { event: 'note' }),
          (e: unknown) => e instanceof SchemaError && e.code === 'HOTLINE_SCHEMA_ASYNC',
        );
        session!.send('hello\nworld', { event: 'message' });
        await stream.until(() => stream.events.length >= 1);
        assert.deepEqual(
          stream.events.map((e) => e.data),
          ['"hello\\nworld"'],
        );
      } finally {
        stream.close();
        await server.close();
      }
    });

    test('acceptSession and acceptResponse hand out the same typed session as createSession and sseResponse', async () => {
      let session: TypedSession<typeof schemas> | undefined;
      const server = await startTestServer(async (req, res) => {
        session = await acceptSession(req, res, { schemas, heartbeatMs: 0, authorize: () => {} });
      });
      const stream = await openStream(server.url);
      try {
        await waitUntil(() => session !== undefined);
        // @ts-expect-error the minute of a goal must be a number
        assert.throws(() => session!.send({ team: 'home', minute: 'late' }, { event: 'goal' }), SchemaError);
        session!.send({ team: 'home', minute: 7 }, { event: 'goal', id: 'g1' });
        await stream.until(() => stream.events.length === 1);
        assert.equal(stream.events[0]?.data, '{"team":"home","minute":7}');
      } finally {
        stream.close();
        await server.close();
      }
      const response = await acceptResponse(new Request('http://localhost/feed'), {
        schemas,
        heartbeatMs: 0,
        authorize: () => {},
        onSession: (web) => {
          // @ts-expect-error a price event has no team
          assert.throws(() => web.send({ team: 'home' }, { event: 'price' }), SchemaError);
          web.end({ data: { symbol: 'ACME', price: 2 }, event: 'price' });
        },
      });
      assert.equal(await response.text(), ': ok\nevent: price\ndata: {"symbol":"ACME","price":2}\n\n');
    });

    test('broadcast validates once, before any subscriber sees anything', async () => {
      const channel = createChannel({ schemas });
      const server = await startTestServer((req, res) => {
        channel.subscribe(createSession(req, res, { heartbeatMs: 0 }));
      });
      const streams = await Promise.all([openStream(server.url), openStream(server.url)]);
      try {
        await waitUntil(() => channel.size === 2);
        assert.throws(
          // @ts-expect-error a goal needs a team
          () => channel.broadcast({ minute: 3 }, { event: 'goal' }),
          (e: unknown) => e instanceof SchemaError && e.eventType === 'goal',
        );
        assert.equal(channel.broadcast({ team: 'away', minute: 90 }, { event: 'goal', id: 'g' }), 2);
        for (const stream of streams) {
          await stream.until(() => stream.events.length >= 1);
          assert.deepEqual(
            stream.events.map((e) => e.data),
            ['{"team":"away","minute":90}'],
          );
        }
      } finally {
        for (const stream of streams) stream.close();
        channel.close();
        await server.close();
      }
    });
  });
}
