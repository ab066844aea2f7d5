/** node:http — `node --import tsx examples/node-http.ts`, then `curl -N http://127.0.0.1:3001/prices` */
import { createServer } from 'node:http';
import { createSession } from 'hotline/server';
import { startTicker, ticker } from './ticker.js';

export const server = createServer((req, res) => {
  if (req.url?.startsWith('/prices')) ticker.subscribe(createSession(req, res));
  else res.writeHead(404).end();
});

if (import.meta.url === `file://${process.argv[1]}`) {
  startTicker();
  server.listen(3001, '127.0.0.1', () => console.log('http://127.0.0.1:3001/prices'));
}
