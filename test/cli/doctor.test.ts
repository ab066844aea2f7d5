import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { diagnose, formatDiagnosis } from '../../src/cli/doctor.js';
import { startHub } from '../fixtures/hub.js';
import { nginxSkipReason, startNginxProxy } from '../fixtures/nginx.js';

/** A reverse proxy that holds the upstream body back and releases it in bursts — what a buffering proxy does. */
async function bufferingProxy(upstream: string, holdMs: number): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const proxied = request(
      `${upstream}${req.url}`,
      { headers: { ...req.headers, 'accept-encoding': 'identity' } },
      (up) => {
        const headers = { ...up.headers };
        delete headers['x-accel-buffering'];
        res.writeHead(up.statusCode ?? 502, headers);
        let held: Buffer[] = [];
        const release = setInterval(() => {
          if (held.length > 0) res.write(Buffer.concat(held));
          held = [];
        }, holdMs);
        up.on('data', (chunk: Buffer) => held.push(chunk));
        res.on('close', () => {
          clearInterval(release);
          up.destroy();
        });
      },
    );
    proxied.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('hotline doctor', () => {
  test('an event past 1 MiB is reported as a problem, not silently left out of the count', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      res.write(`data: ${'x'.repeat(1024 * 1024 + 1)}\n\ndata: small\n\n`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const d = await diagnose(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { watchMs: 800 });
      assert.equal(d.events, 1, 'the small event after it still counts');
      assert.ok(
        d.problems.some((p) => /drop the connection and reconnect/.test(p)),
        d.problems.join('; '),
      );
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  test('a hub reached directly has no buffering, and the report says so', async () => {
    const running = await startHub({ allowAnonymous: true, compression: true });
    try {
      const d = await diagnose(`${running.endpoint}?topic=/x`, { watchMs: 1500 });
      assert.equal(d.status, 200);
      assert.equal(d.buffering, 'none');
      assert.ok(d.probeGapMs !== undefined && d.probeGapMs > 300);
      assert.equal(d.contentEncoding, 'gzip');
      assert.ok(d.timeToFirstByteMs !== undefined);
      assert.deepEqual(d.problems, []);
      assert.match(formatDiagnosis(d), /No problem found/);
    } finally {
      await running.close();
    }
  });

  test('a hub behind a buffering proxy is caught, with advice on what to fix', async () => {
    const running = await startHub({ allowAnonymous: true });
    const proxy = await bufferingProxy(running.origin, 1200);
    try {
      const d = await diagnose(`${proxy.url}/.well-known/mercure?topic=/x`, { watchMs: 2000 });
      assert.equal(d.buffering, 'detected');
      assert.ok(d.problems.some((p) => p.includes('buffers the stream')));
      assert.match(formatDiagnosis(d), /proxy_buffering off/);
    } finally {
      proxy.server.closeAllConnections();
      await new Promise((resolve) => proxy.server.close(resolve));
      await running.close();
    }
  });

  test('a wrong content type and a non-200 status are reported', async () => {
    const server = createServer((_req, res) =>
      res.writeHead(404, { 'Content-Type': 'text/html' }).end('<h1>nope</h1>'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const d = await diagnose(`http://127.0.0.1:${(server.address() as AddressInfo).port}/events`, { watchMs: 300 });
      assert.ok(d.problems.some((p) => p.startsWith('status 404')));
      assert.ok(d.problems.some((p) => p.includes('not text/event-stream')));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('hotline doctor behind a real nginx', { skip: nginxSkipReason() }, () => {
  const GZIP = 'gzip on; gzip_types text/event-stream;';

  async function diagnoseThroughNginx(directives: string) {
    // The hub does not compress here, so that nginx's own gzip applies as it would in front of most apps.
    const running = await startHub({ allowAnonymous: true, compression: false });
    const nginx = await startNginxProxy(running.origin, directives);
    try {
      return await diagnose(`${nginx.origin}/.well-known/mercure?topic=/x`, { watchMs: 2000 });
    } finally {
      await nginx.stop();
      await running.close();
    }
  }

  test('proxy_buffering on, ignoring X-Accel-Buffering, with gzip: buffering is reported with the nginx fix', async () => {
    const d = await diagnoseThroughNginx(`proxy_buffering on; proxy_ignore_headers X-Accel-Buffering; ${GZIP}`);
    assert.notEqual(d.buffering, 'none');
    assert.ok(d.problems.length > 0);
    assert.match(formatDiagnosis(d), /proxy_buffering off/);
  });

  test('proxy_buffering off (gzip still on): clean, nginx flushes every chunk', async () => {
    const d = await diagnoseThroughNginx(`proxy_buffering off; ${GZIP}`);
    assert.equal(d.buffering, 'none');
    assert.equal(d.contentEncoding, 'gzip');
    assert.deepEqual(d.problems, []);
  });

  test("proxy_buffering on but the hub's X-Accel-Buffering: no honoured: clean", async () => {
    const d = await diagnoseThroughNginx(`proxy_buffering on; ${GZIP}`);
    assert.equal(d.buffering, 'none');
    assert.deepEqual(d.problems, []);
  });
});
