import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { takenOverSocketCount } from '../../src/server/adapters/node-takeover.js';
import { createSession, type Session } from '../../src/server/index.js';
import { browserSkipReason, launchChromium } from '../fixtures/browser.js';
import { waitUntil } from '../fixtures/sse-test-server.js';

const skip = browserSkipReason();

describe('Chromium on a taken-over HTTP/1.1 stream', { skip }, () => {
  let server: Server;
  let browser: Browser;
  let origin: string;
  const sessions: Session[] = [];
  const requests: Pick<IncomingMessage, 'headers'>[] = [];
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/') {
        res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>t</title>');
        return;
      }
      if (req.url !== '/events') {
        res.writeHead(404).end(); // the browser's /favicon.ico
        return;
      }
      requests.push({ headers: req.headers });
      // Compressed as the browser accepts (br or gzip): the compressed bytes are framed by the takeover.
      sessions.push(createSession(req, res, { retryMs: 50, heartbeatMs: 0, compression: true }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  test('EventSource receives, sees the server end the stream, reconnects with Last-Event-ID and goes on', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${origin}/`);
      // A string, not a function: tsx would wrap a function's inner functions in a helper the page lacks.
      await page.evaluate(`
        window.received = [];
        window.opens = 0;
        const source = new EventSource('/events');
        source.onopen = () => { window.opens++; };
        source.onmessage = (e) => window.received.push(e.data + '#' + e.lastEventId);
      `);
      await waitUntil(() => sessions.length === 1 && takenOverSocketCount(server) === 1);
      assert.match(String(requests[0]!.headers['accept-encoding']), /gzip|br/);
      sessions[0]!.send('one', { id: '1' });
      sessions[0]!.send('two', { id: '2' });
      await page.waitForFunction('window.received.length === 2');
      // The server ends the stream: last chunk, then the connection closes; the browser reconnects.
      sessions[0]!.close();
      await waitUntil(() => sessions.length === 2 && takenOverSocketCount(server) === 1);
      assert.equal(requests[1]!.headers['last-event-id'], '2');
      sessions[1]!.send('three', { id: '3' });
      await page.waitForFunction('window.received.length === 3');
      assert.deepEqual(await page.evaluate('window.received'), ['one#1', 'two#2', 'three#3']);
      assert.equal(await page.evaluate('window.opens'), 2);
      // The page goes away: the server sees the client close the taken-over socket.
      await page.close();
      await waitUntil(() => sessions[1]!.closed);
      assert.equal(sessions[1]!.closeReason, 'client');
    } finally {
      if (!page.isClosed()) await page.close();
    }
  });
});
