/**
 * `hotline serve --dev` is as friendly as Mercure's dev mode: a page on any loopback port may use the hub
 * (CORS), the subscriptions API is on, and the dashboard signs itself in from this machine — and none of it
 * happens without `--dev`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mintToken } from '../../src/cli/token.js';
import { publishOk, subscribe } from '../fixtures/hub.js';
import { type HubProcess, startHubProcess } from '../fixtures/hub-process.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request (fetch would not let a test set `Origin` the way a browser does on every platform). */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; untilHeaders?: boolean } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      if (options.untilHeaders === true) {
        // An event stream does not end: its headers are the answer; drop the connection.
        resolve({ status: res.statusCode!, headers: res.headers, body: '' });
        res.destroy();
        return;
      }
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const VITE = 'http://localhost:5173';
const STRICT_SECRET = 'a-production-secret-of-at-least-32-bytes!';

function preflight(hub: HubProcess, origin: string): Promise<Answer> {
  return send(`${hub.origin}/.well-known/mercure`, {
    method: 'OPTIONS',
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'authorization, content-type',
    },
  });
}

describe('hotline serve --dev', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-dev-'));
  let dev: HubProcess | undefined;
  let strict: HubProcess | undefined;
  let secret = '';

  before(async () => {
    try {
      dev = await startHubProcess({ dataDir: join(dir, 'dev'), args: ['--dev', '--no-demo'] });
      strict = await startHubProcess({
        dataDir: join(dir, 'strict'),
        args: ['--jwt-secret', STRICT_SECRET, '--allow-anonymous', '--no-demo'],
      });
    } finally {
      // Read even when the second hub failed to start, so `after` still stops the first.
      secret = readFileSync(join(dir, 'dev', 'dev-secret'), 'utf8').trim();
    }
  });
  after(() => {
    dev?.kill();
    strict?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the start banner names every loopback origin that CORS lets in', () => {
    assert.match(
      dev!.output(),
      /pages on http:\/\/localhost:\*, http:\/\/127\.0\.0\.1:\*, http:\/\/\[::1\]:\* may subscribe and publish \(CORS\)/,
    );
  });

  test('a preflight from http://localhost:5173 is allowed, with credentials', async () => {
    const answer = await preflight(dev!, VITE);
    assert.equal(answer.status, 204);
    assert.equal(answer.headers['access-control-allow-origin'], VITE);
    assert.equal(answer.headers['access-control-allow-credentials'], 'true');
    assert.match(String(answer.headers['access-control-allow-methods']), /POST/);
    assert.match(String(answer.headers['access-control-allow-headers']), /Authorization/);
  });

  test('a subscribe and a publish from loopback pages on any port carry the CORS headers', async () => {
    const subscribed = await send(`${dev!.origin}/.well-known/mercure?topic=/dev/cors`, {
      headers: { Origin: VITE, Accept: 'text/event-stream' },
      untilHeaders: true,
    });
    assert.equal(subscribed.status, 200);
    assert.equal(subscribed.headers['access-control-allow-origin'], VITE);
    const publisher = await mintToken({ secret, publish: ['*'], ttlSeconds: 60 });
    const published = await send(`${dev!.origin}/.well-known/mercure`, {
      method: 'POST',
      headers: {
        Origin: 'http://127.0.0.1:8080',
        Authorization: `Bearer ${publisher}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: 'topic=/dev/cors&data=hi',
    });
    assert.equal(published.status, 200);
    assert.equal(published.headers['access-control-allow-origin'], 'http://127.0.0.1:8080');
  });

  test('a page on a loopback port may publish with the mercureAuthorization cookie; without --dev it may not', async () => {
    const cookiePublish = async (hub: HubProcess, token: string) =>
      send(`${hub.origin}/.well-known/mercure`, {
        method: 'POST',
        headers: {
          Origin: VITE,
          Cookie: `mercureAuthorization=${token}`,
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
        },
        body: 'topic=/dev/cookie&data=hi',
      });
    const allowed = await cookiePublish(dev!, await mintToken({ secret, publish: ['*'], ttlSeconds: 60 }));
    assert.equal(allowed.status, 200, allowed.body);
    const refused = await cookiePublish(
      strict!,
      await mintToken({ secret: STRICT_SECRET, publish: ['*'], ttlSeconds: 60 }),
    );
    assert.equal(refused.status, 403);
    assert.match(refused.body, /HOTLINE_HUB_FORBIDDEN_ORIGIN/);
  });

  test('other origins get no CORS headers, even ones that start like a loopback origin', async () => {
    for (const origin of [
      'https://evil.example',
      'http://localhost:5173.evil.example',
      'http://localhost.evil.example',
    ]) {
      const answer = await preflight(dev!, origin);
      assert.equal(answer.headers['access-control-allow-origin'], undefined, origin);
    }
  });

  test('the subscriptions API answers a subscriber token', async () => {
    const subscriber = await mintToken({ secret, subscribe: ['*'], ttlSeconds: 60 });
    const answer = await send(`${dev!.origin}/.well-known/mercure/subscriptions`, {
      headers: { Authorization: `Bearer ${subscriber}` },
    });
    assert.equal(answer.status, 200, answer.body);
    assert.equal((JSON.parse(answer.body) as { type: string }).type, 'Subscriptions');
  });

  test('the dashboard hands a working admin token to a request from this machine', async () => {
    const answer = await send(`${dev!.origin}/dashboard/session`, { method: 'POST' });
    assert.equal(answer.status, 200, answer.body);
    const { token } = JSON.parse(answer.body) as { token: string };
    const stream = await send(`${dev!.origin}/dashboard/stream`, {
      headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' },
      untilHeaders: true,
    });
    assert.equal(stream.status, 200);
  });

  test('without --dev: no CORS for loopback pages, no subscriptions API, no automatic sign-in', async () => {
    const answer = await preflight(strict!, VITE);
    assert.equal(answer.headers['access-control-allow-origin'], undefined);
    const subscriptions = await send(`${strict!.origin}/.well-known/mercure/subscriptions`);
    assert.equal(subscriptions.status, 404);
    const session = await send(`${strict!.origin}/dashboard/session`, { method: 'POST' });
    assert.equal(session.status, 403);
    assert.match(session.body, /--dev/);
  });
});

describe('hotline serve --dev: the demo’s own history budget', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-dev-budget-'));
  let hub: HubProcess | undefined;
  after(() => {
    hub?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the user’s update stays resumable after the demo published past both budgets', async () => {
    // 5 updates of the user's, 10 of the demo's: the demo (~7 updates/s) passes 15 within three seconds.
    hub = await startHubProcess({
      dataDir: dir,
      args: ['--dev', '--history-max-events', '5', '--demo-history-max-events', '10'],
    });
    const secret = readFileSync(join(dir, 'dev-secret'), 'utf8').trim();
    const endpoint = `${hub.origin}/.well-known/mercure`;
    const watcher = await subscribe(endpoint, ['/stocks/{symbol}', '/matches/{id}']);
    try {
      const mine = await publishOk(
        endpoint,
        { topic: '/mine', data: 'keep me' },
        await mintToken({ secret, publish: ['*'], ttlSeconds: 60 }),
      );
      for (let seen = 0; seen < 30; seen++) await watcher.next(15_000);
      // Resuming from the user's update: no `reset`, and a later update of the user's arrives after it.
      const resumed = await subscribe(endpoint, ['/mine'], { query: { lastEventID: 'earliest' } });
      try {
        const first = await resumed.next(5000);
        assert.equal(first.lastEventId, mine);
        assert.equal(first.data, 'keep me');
      } finally {
        resumed.close();
      }
      const metrics = await (await fetch(`${hub.origin}/metrics`)).text();
      const size = Number(/^hotline_history_size (\d+)/m.exec(metrics)?.[1]);
      assert.ok(size <= 15, `history holds ${size} updates, within 5 + 10`);
    } finally {
      watcher.close();
    }
  });
});
