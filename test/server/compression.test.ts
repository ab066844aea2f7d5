import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { constants, createBrotliDecompress, createGunzip, gunzipSync } from 'node:zlib';
import { serve as honoServe } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { iterateEvents } from '../../src/protocol/index.js';
import { createStreamCompressor } from '../../src/server/compression.js';
import {
  compressedStreamCount,
  createSession,
  negotiateEncoding,
  type Session,
  sseResponse,
} from '../../src/server/index.js';
import { zlibWriteSync } from '../../src/server/zlib-sync.js';
import { browserSkipReason, launchChromium } from '../fixtures/browser.js';

type Adapter = 'node' | 'web';

/**
 * A server whose test drives each session by hand: send, wait until the client saw it, send again. `web`
 * serves `sseResponse()` through @hono/node-server, as a Hono app on Node would.
 */
async function serve(options: Parameters<typeof createSession>[2], adapter: Adapter = 'node') {
  const sessions: Session[] = [];
  let server: Server;
  if (adapter === 'node') {
    server = createServer((req, res) => {
      if (req.url === '/favicon.ico') {
        res.writeHead(404).end();
        return;
      }
      if (req.url === '/page') {
        res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>t</title>');
        return;
      }
      sessions.push(createSession(req, res, options));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  } else {
    const fetchHandler = (request: Request) =>
      sseResponse(request, { ...options, onSession: (session) => sessions.push(session) });
    server = await new Promise<Server>((resolve) => {
      const started = honoServe({ fetch: fetchHandler, port: 0, hostname: '127.0.0.1' }, () =>
        resolve(started as Server),
      );
    });
  }
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Sessions are handed out in arrival order, so a client that connects before the test asks is not missed.
  let handedOut = 0;
  const nextSession = async () => {
    while (sessions.length === handedOut) await new Promise((r) => setTimeout(r, 5));
    return sessions[handedOut++]!;
  };
  return {
    url,
    nextSession,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The data of every event in an event-stream text. */
function* iterateText(text: string): Generator<string> {
  for (const block of text.split('\n\n')) {
    const data = block
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => line.slice(6));
    if (data.length > 0) yield data.join('\n');
  }
}

describe('compressed streams deliver each event at once', () => {
  test('Accept-Encoding negotiation honours preference and q=0', () => {
    assert.equal(negotiateEncoding('gzip, deflate, br', ['br', 'gzip']), 'br');
    assert.equal(negotiateEncoding('gzip;q=1, br;q=0', ['br', 'gzip']), 'gzip');
    assert.equal(negotiateEncoding('identity', ['br', 'gzip']), undefined);
    assert.equal(negotiateEncoding('*', ['gzip']), 'gzip');
    assert.equal(negotiateEncoding(undefined, ['gzip']), undefined);
  });

  // The compressor drives Node's zlib internals synchronously (see compression.ts). Should a Node release
  // change them, streams would silently go out uncompressed: this test fails instead.
  test('a compressor works synchronously on this runtime: each write decodes at once, finish() ends the stream', () => {
    const before = compressedStreamCount();
    for (const encoding of ['gzip', 'br'] as const) {
      const compressor = createStreamCompressor(encoding);
      assert.ok(compressor, `this runtime can compress ${encoding} synchronously`);
      const decoder = encoding === 'gzip' ? createGunzip() : createBrotliDecompress();
      const decoderFlush = encoding === 'gzip' ? constants.Z_SYNC_FLUSH : constants.BROTLI_OPERATION_PROCESS;
      const written: Buffer[] = [];
      const sent: Uint8Array[] = [];
      for (let i = 0; i < 200; i++) {
        const frame = Buffer.from(`id: ${i}\ndata: {"symbol":"ACME","price":${100 + i / 7}}\n\n`);
        const compressed: Uint8Array = compressor.compress([frame]);
        sent.push(compressed);
        written.push(frame);
        // Decodable on its own, now: nothing is held back for a later write.
        assert.deepEqual(zlibWriteSync(decoder, compressed, decoderFlush), frame);
      }
      // A big write (several times the shared output buffer) comes out whole.
      const big = Buffer.from(JSON.stringify(Array.from({ length: 40_000 }, (_, i) => i * 7919)));
      const compressedBig = compressor.compress([big]);
      assert.deepEqual(zlibWriteSync(decoder, compressedBig, decoderFlush), big);
      sent.push(compressedBig);
      written.push(big);
      sent.push(compressor.compress([Buffer.alloc(0)]));
      sent.push(compressor.finish());
      decoder.close();
      if (encoding === 'gzip') assert.deepEqual(gunzipSync(Buffer.concat(sent)), Buffer.concat(written));
      const compressedBytes = sent.slice(0, 200).reduce((n, c) => n + c.byteLength, 0);
      const plainBytes = written.slice(0, 200).reduce((n, c) => n + c.byteLength, 0);
      assert.ok(compressedBytes < plainBytes / 2, `${encoding}: ${compressedBytes} of ${plainBytes} bytes`);
    }
    assert.equal(compressedStreamCount(), before, 'finish() gives the slot back');
  });

  for (const [encoding, adapter] of [
    ['br', 'node'],
    ['gzip', 'node'],
    ['br', 'web'],
    ['gzip', 'web'],
  ] as const) {
    test(`fetch with ${encoding}, ${adapter} adapter: every event arrives before the next is sent`, async () => {
      const target = await serve({ heartbeatMs: 0, compression: { encodings: [encoding] } }, adapter);
      try {
        const controller = new AbortController();
        const responsePromise = fetch(target.url, {
          headers: { 'Accept-Encoding': encoding },
          signal: controller.signal,
        });
        const session = await target.nextSession();
        const response = await responsePromise;
        assert.equal(response.headers.get('content-encoding'), encoding);
        assert.equal(response.headers.get('vary'), 'Accept-Encoding');
        const events = iterateEvents(response.body!)[Symbol.asyncIterator]();
        for (let i = 0; i < 20; i++) {
          session.send({ symbol: 'ACME', price: 100 + i, i }, { event: 'price', id: String(i) });
          // The next event is sent only once this one arrived: a buffering compressor would hang here.
          const { value } = await events.next();
          assert.equal(value?.lastEventId, String(i));
        }
        controller.abort();
      } finally {
        await target.close();
      }
      // Every compressor slot is given back once its stream ends.
      const deadline = Date.now() + 5000;
      while (compressedStreamCount() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      assert.equal(compressedStreamCount(), 0);
    });
  }

  for (const adapter of ['node', 'web'] as const)
    test(`${adapter} adapter: a stream ended by the server is complete gzip (CRC and length)`, async () => {
      const target = await serve({ heartbeatMs: 0, compression: true }, adapter);
      try {
        const chunks: Buffer[] = [];
        const ended = new Promise<void>((resolve, reject) => {
          const req = request(target.url, { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', resolve);
          });
          req.on('error', reject);
          req.end();
        });
        const session = await target.nextSession();
        for (let i = 0; i < 10; i++) session.send({ i });
        session.end({ data: 'bye' });
        await ended;
        const events = [...iterateText(gunzipSync(Buffer.concat(chunks)).toString())];
        assert.deepEqual(events, [...Array.from({ length: 10 }, (_, i) => `{"i":${i}}`), 'bye']);
      } finally {
        await target.close();
      }
    });

  test('the bytes on the wire are gzip, and a client that accepts no encoding gets plain text', async () => {
    const target = await serve({ heartbeatMs: 0, compression: true });
    try {
      const raw = await new Promise<Buffer>((resolve, reject) => {
        const req = request(target.url, { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
          assert.equal(res.headers['content-encoding'], 'gzip');
          res.once('data', (chunk: Buffer) => {
            req.destroy();
            resolve(chunk);
          });
        });
        req.on('error', reject);
        req.end();
      });
      assert.deepEqual([...raw.subarray(0, 2)], [0x1f, 0x8b]);
      const plain = await fetch(target.url, { headers: { 'Accept-Encoding': 'identity' } });
      assert.equal(plain.headers.get('content-encoding'), null);
      await plain.body?.cancel();
    } finally {
      await target.close();
    }
  });

  test('curl --compressed receives each event as it is sent', async () => {
    const target = await serve({ heartbeatMs: 0, compression: true });
    const curl = spawn('curl', ['-sN', '--compressed', target.url]);
    try {
      let output = '';
      curl.stdout.on('data', (c: Buffer) => {
        output += c.toString();
      });
      const session = await target.nextSession();
      for (let i = 0; i < 5; i++) {
        session.send(`tick ${i}`);
        while (!output.includes(`data: tick ${i}\n\n`)) await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      curl.kill();
      await target.close();
    }
  });

  describe('in Chromium', { skip: browserSkipReason() }, () => {
    let browser: Browser;
    before(async () => {
      browser = await launchChromium();
    });
    after(() => browser?.close());

    test("the browser's EventSource gets compressed events one at a time", async () => {
      const target = await serve({ heartbeatMs: 0, compression: true });
      try {
        const page = await browser.newPage();
        await page.goto(`${target.url}/page`);
        const encoding = page
          .waitForResponse((r) => r.url().endsWith('/stream'))
          .then((r) => r.headers()['content-encoding']);
        await page.evaluate(() => {
          const w = window as unknown as { got: string[] };
          w.got = [];
          new EventSource('/stream').onmessage = (e) => w.got.push(e.data);
        });
        const session = await target.nextSession();
        for (let i = 0; i < 5; i++) {
          session.send(`event ${i}`);
          await page.waitForFunction((n) => (window as unknown as { got: string[] }).got.length === n, i + 1);
        }
        assert.ok(['br', 'gzip'].includes((await encoding) ?? ''), 'the browser negotiated compression');
        await page.close();
      } finally {
        await target.close();
      }
    });
  });
});
