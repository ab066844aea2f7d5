/** Express 5 — `node --import tsx examples/express.ts`, then `curl -N http://127.0.0.1:3002/prices` */
import express from 'express';
import { createSession } from 'hotline/server';
import { startTicker, ticker } from './ticker.js';

export const app = express();
app.get('/prices', (req, res) => {
  ticker.subscribe(createSession(req, res));
});

if (import.meta.url === `file://${process.argv[1]}`) {
  startTicker();
  app.listen(3002, '127.0.0.1', () => console.log('http://127.0.0.1:3002/prices'));
}
