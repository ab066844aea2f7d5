/** Express 5 — `node --import tsx examples/express.ts`, then `curl -N` the URL it prints (`PORT=…` to pick). */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createSession } from 'hotline/server';
import { port, startTicker, ticker } from './ticker.js';

export const app = express();
app.get('/prices', (req, res) => {
  ticker.subscribe(createSession(req, res));
});

if (import.meta.url === `file://${process.argv[1]}`) {
  startTicker();
  const server = app.listen(port, '127.0.0.1', () => {
    const { port: actual } = server.address() as AddressInfo;
    console.log(`http://127.0.0.1:${actual}/prices`);
  });
}
