import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { serve } from '@hono/node-server';
import { app as expressApp } from '../../examples/express.js';
import { app as fastifyApp } from '../../examples/fastify.js';
import { app as honoApp } from '../../examples/hono.js';
import { server as nodeServer } from '../../examples/node-http.js';
import { ticker } from '../../examples/ticker.js';
import { openStream } from '../fixtures/sse-reader.js';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** Connects to `/prices`, broadcasts two ticks, and checks they arrive typed, with ids, in order. */
async function checkTicker(origin: string): Promise<void> {
  const stream = await openStream(`${origin}/prices`);
  assert.equal(stream.status, 200);
  assert.match(String(stream.headers['content-type']), /^text\/event-stream/);
  await stream.until(() => ticker.size > 0);
  const base = Date.now();
  ticker.broadcast({ symbol: 'ACME', price: 101.5 }, { event: 'price', id: `${base}-1` });
  ticker.broadcast({ symbol: 'ACME', price: 102 }, { event: 'price', id: `${base}-2` });
  await stream.until(() => stream.events.length >= 2);
  assert.deepEqual(stream.events.slice(-2), [
    { type: 'price', data: '{"symbol":"ACME","price":101.5}', lastEventId: `${base}-1` },
    { type: 'price', data: '{"symbol":"ACME","price":102}', lastEventId: `${base}-2` },
  ]);
  stream.close();
  await stream.ended;
  while (ticker.size > 0) await new Promise((r) => setTimeout(r, 5));
}

describe('the examples serve a stock ticker', () => {
  test('node:http', async () => {
    const origin = await listen(nodeServer);
    try {
      await checkTicker(origin);
    } finally {
      await stop(nodeServer);
    }
  });

  test('Express 5', async () => {
    const server = expressApp.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      await checkTicker(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    } finally {
      await stop(server);
    }
  });

  test('Fastify 5 (reply.hijack)', async () => {
    const origin = await fastifyApp.listen({ port: 0, host: '127.0.0.1' });
    try {
      await checkTicker(origin);
    } finally {
      fastifyApp.server.closeAllConnections();
      await fastifyApp.close();
    }
  });

  test('Hono on @hono/node-server (Web Response)', async () => {
    const server = serve({ fetch: honoApp.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      await checkTicker(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    } finally {
      await stop(server);
    }
  });
});
