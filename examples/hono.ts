/** Hono on @hono/node-server — `node --import tsx examples/hono.ts`, then `curl -N http://127.0.0.1:3004/prices` */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { sseResponse } from 'hotline/server';
import { startTicker, ticker } from './ticker.js';

export const app = new Hono();
app.get('/prices', (c) => sseResponse(c.req.raw, { onSession: (session) => ticker.subscribe(session) }));

if (import.meta.url === `file://${process.argv[1]}`) {
  startTicker();
  serve({ fetch: app.fetch, port: 3004, hostname: '127.0.0.1' }, () => console.log('http://127.0.0.1:3004/prices'));
}
