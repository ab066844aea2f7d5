/** Fastify 5 — `node --import tsx examples/fastify.ts`, then `curl -N http://127.0.0.1:3003/prices` */
import Fastify from 'fastify';
import { createSession } from 'hotline/server';
import { startTicker, ticker } from './ticker.js';

export const app = Fastify();
app.get('/prices', (request, reply) => {
  // Fastify must not answer this request itself: the session owns the raw response from here on.
  reply.hijack();
  ticker.subscribe(createSession(request.raw, reply.raw));
});

if (import.meta.url === `file://${process.argv[1]}`) {
  startTicker();
  await app.listen({ port: 3003, host: '127.0.0.1' });
  console.log('http://127.0.0.1:3003/prices');
}
