/** node:http — `node --import tsx examples/node-http.ts`, then `curl -N` the URL it prints (`PORT=…` to pick). */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSession } from 'hotline/server';
import { port, startTicker, ticker } from './ticker.js';

export const server = createServer((req, res) => {
  if (req.url?.startsWith('/prices')) ticker.subscribe(createSession(req, res));
  else res.writeHead(404).end();
});

if (import.meta.url === `file://${process.argv[1]}`) {
  startTicker();
  server.listen(port, '127.0.0.1', () => {
    const { port: actual } = server.address() as AddressInfo;
    console.log(`http://127.0.0.1:${actual}/prices`);
  });
}
