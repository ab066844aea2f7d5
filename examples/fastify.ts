/** Fastify 5 — `node --import tsx examples/fastify.ts`, then `curl -N` the URL it prints (`PORT=…` to pick). */
import Fastify from 'fastify';
import { createSession } from 'hotline/server';
import { port, startTicker, ticker } from './ticker.js';

export const app = Fastify();
app.get('/prices', (request, reply) => {
  // Fastify must not answer this request itself: the session owns the raw response from here on.
  reply.hijack();
  ticker.subscribe(createSession(request.raw, reply.raw));
});

if (import.meta.url === `file://${process.argv[1]}`) {
  startTicker();
  const origin = await app.listen({ port, host: '127.0.0.1' });
  console.log(`${origin}/prices`);
}
