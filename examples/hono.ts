/** Hono on @hono/node-server — `node --import tsx examples/hono.ts`, then `curl -N` the URL it prints (`PORT=…`). */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { sseResponse } from 'hotline/server';
import { port, startTicker, ticker } from './ticker.js';

export const app = new Hono();
app.get('/prices', (c) => sseResponse(c.req.raw, { onSession: (session) => ticker.subscribe(session) }));

if (import.meta.url === `file://${process.argv[1]}`) {
  startTicker();
  serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) =>
    console.log(`http://127.0.0.1:${info.port}/prices`),
  );
}
