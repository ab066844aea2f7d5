/**
 * The dashboard's automatic sign-in (`hotline serve --dev`): only for a request that really comes from the
 * hub's machine — loopback peer, no proxy header, a loopback `Host` — and only when the hub was given a
 * signer. In Chromium, the page opened from loopback is live without a pasted token.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { mintToken } from '../../src/cli/token.js';
import type { LoopbackAdmin } from '../../src/hub/dashboard/index.js';
import { isLoopbackAddress } from '../../src/hub/dashboard/loopback.js';
import { browserSkipReason, launchChromium } from '../fixtures/browser.js';
import { SECRET } from '../fixtures/hub.js';
import { startWebHub, type WebHub } from './web-hub.js';

const loopbackAdmin: LoopbackAdmin = {
  sign: (ttlSeconds) => mintToken({ secret: SECRET, publish: ['*'], subscribe: ['*'], ttlSeconds }),
};

/** POST /dashboard/session to `host:port`, with these headers; the status and body. */
function askForSession(
  host: string,
  port: number,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/dashboard/session', method: 'POST', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** An address of this machine that is not loopback, to reach the hub as a remote peer would. */
function externalAddress(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) if (address.family === 'IPv4' && !address.internal) return address.address;
  }
  return undefined;
}

describe('dashboard automatic sign-in over HTTP', () => {
  let running: WebHub;
  let refusing: WebHub;
  before(async () => {
    running = await startWebHub({ dashboard: { loopbackAdmin } });
    refusing = await startWebHub();
  });
  after(async () => {
    await running?.close();
    await refusing?.close();
  });

  test('a request from loopback gets an admin token that opens the admin stream', async () => {
    const answer = await askForSession('127.0.0.1', running.port);
    assert.equal(answer.status, 200);
    const session = JSON.parse(answer.body) as { token: string; expiresAt: number };
    assert.ok(session.expiresAt > Date.now());
    const stream = await fetch(`${running.origin}/dashboard/stream`, {
      headers: { Authorization: `Bearer ${session.token}`, Accept: 'text/event-stream' },
    });
    assert.equal(stream.status, 200);
    await stream.body?.cancel();
  });

  for (const [name, headers] of [
    ['through a proxy (X-Forwarded-For)', { 'X-Forwarded-For': '203.0.113.7' }],
    ['through a proxy (Forwarded)', { Forwarded: 'for=203.0.113.7' }],
    ['through a proxy (X-Real-IP)', { 'X-Real-IP': '203.0.113.7' }],
    ['for another host name (DNS rebinding)', { Host: 'evil.example:3000' }],
  ] as const) {
    test(`a request ${name} is refused`, async () => {
      const answer = await askForSession('127.0.0.1', running.port, headers);
      assert.equal(answer.status, 403);
      assert.match(answer.body, /HOTLINE_HUB_FORBIDDEN/);
      assert.match(answer.body, /paste a publisher token/);
    });
  }

  test('a hub without a signer refuses, saying it needs --dev', async () => {
    const answer = await askForSession('127.0.0.1', refusing.port);
    assert.equal(answer.status, 403);
    assert.match(answer.body, /--dev/);
  });

  test('only POST signs in', async () => {
    const answer = await fetch(`${running.origin}/dashboard/session`);
    assert.equal(answer.status, 405);
    assert.equal(answer.headers.get('allow'), 'POST');
  });

  test('a peer on another address of this machine is not loopback', async (t) => {
    const address = externalAddress();
    if (address === undefined) return t.skip('this machine has no non-loopback IPv4 address');
    const open = await startWebHub({ dashboard: { loopbackAdmin }, host: '0.0.0.0' });
    try {
      const answer = await askForSession(address, open.port, { Host: `localhost:${open.port}` });
      assert.equal(answer.status, 403);
    } finally {
      await open.close();
    }
  });

  test('loopback addresses: 127.0.0.0/8, ::1 and IPv4-mapped; nothing else', () => {
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) assert.ok(isLoopbackAddress(address));
    for (const address of ['10.0.0.1', '::ffff:10.0.0.1', '::2', '1270.0.0.1', '', undefined])
      assert.ok(!isLoopbackAddress(address), String(address));
  });
});

const skip = browserSkipReason();

describe('dashboard automatic sign-in in Chromium', { skip }, () => {
  let browser: Browser;
  let running: WebHub;
  let refusing: WebHub;
  before(async () => {
    browser = await launchChromium();
    running = await startWebHub({ dashboard: { loopbackAdmin } });
    refusing = await startWebHub();
  });
  after(async () => {
    await browser?.close();
    await running?.close();
    await refusing?.close();
  });

  for (const host of ['127.0.0.1', 'localhost']) {
    test(`opened at http://${host}, a --dev dashboard is live without a pasted token`, async () => {
      const page = await browser.newPage();
      try {
        await page.goto(`http://${host}:${running.port}/`);
        await page.waitForSelector('#connection[data-state=open]');
        assert.equal(await page.locator('#app').isVisible(), true);
        assert.equal(await page.locator('#signed-in').isVisible(), true);
        assert.equal(await page.locator('#token').inputValue(), '', 'the automatic token is not put in the field');
        await page.waitForFunction(() => document.getElementById('subscribers')?.textContent === '0');
      } finally {
        await page.close();
      }
    });
  }

  test('a short-lived automatic token is renewed before it expires: the page stays live', async () => {
    // Tokens of 3 s instead of an hour: the hub closes the admin stream at `exp`, and the page must have
    // asked for a new one by then and reconnected with it.
    const shortLived = await startWebHub({
      dashboard: {
        loopbackAdmin: { sign: () => mintToken({ secret: SECRET, publish: ['*'], subscribe: ['*'], ttlSeconds: 3 }) },
      },
    });
    const page = await browser.newPage();
    let sessions = 0;
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/dashboard/session') sessions++;
    });
    try {
      await page.goto(`${shortLived.origin}/`);
      await page.waitForSelector('#connection[data-state=open]');
      // Two renewals: the first token outlived, and the renewed one too.
      for (const deadline = Date.now() + 30_000; sessions < 3; ) {
        assert.ok(Date.now() < deadline, `only ${sessions} token(s) asked for in 30 s of 3 s tokens`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await page.waitForSelector('#connection[data-state=open]');
      assert.equal(await page.locator('#stream-problem').isHidden(), true);
    } finally {
      await page.close();
      await shortLived.close();
    }
  });

  test('without a signer (no --dev) the dashboard asks for a token', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${refusing.origin}/`);
      await page.waitForSelector('#connection[data-state=signed-out]');
      assert.equal(await page.locator('#app').isHidden(), true);
      assert.equal(await page.locator('#signed-in').isHidden(), true);
    } finally {
      await page.close();
    }
  });
});
