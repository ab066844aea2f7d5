import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { EventSource as ThirdPartyEventSource } from 'eventsource';
import type { Browser } from 'playwright-core';
import { browserSkipReason, launchChromium } from '../fixtures/browser.js';
import { hubForSuite, publishOk, subscribe, token } from '../fixtures/hub.js';

describe('hub: real clients', () => {
  const suite = hubForSuite();

  test('the eventsource npm package receives typed updates and resumes with Last-Event-ID', async () => {
    const url = `${suite.running.endpoint}?topic=${encodeURIComponent('/es/{n}')}`;
    const source = new ThirdPartyEventSource(url);
    const seen: { type: string; data: string; id: string }[] = [];
    const opened = new Promise<void>((resolve) => source.addEventListener('open', () => resolve(), { once: true }));
    const record = (e: MessageEvent) => seen.push({ type: e.type, data: String(e.data), id: e.lastEventId });
    source.addEventListener('message', record);
    source.addEventListener('score', record);
    await opened;
    await publishOk(
      suite.running.endpoint,
      { topic: '/es/1', data: '{"home":1}', type: 'score', id: 'es-1' },
      suite.publisher,
    );
    await publishOk(suite.running.endpoint, { topic: '/es/2', data: 'plain', id: 'es-2' }, suite.publisher);
    await waitUntil(() => seen.length === 2);
    source.close();
    assert.deepEqual(seen, [
      { type: 'score', data: '{"home":1}', id: 'es-1' },
      { type: 'message', data: 'plain', id: 'es-2' },
    ]);
    // A new connection that resumes from es-1, as the package would after a drop.
    const resumed = await subscribe(suite.running.endpoint, ['/es/{n}'], { lastEventId: 'es-1' });
    assert.equal((await resumed.next()).lastEventId, 'es-2');
    resumed.close();
  });

  test('curl -N reads the exact frame bytes', async () => {
    const curl = spawn('curl', ['-sN', '-H', 'Accept: text/event-stream', `${suite.running.endpoint}?topic=/curl`]);
    let output = '';
    curl.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    await waitUntil(() => output.length > 0); // the initial flush: headers sent at once
    await publishOk(suite.running.endpoint, { topic: '/curl', data: 'a\nb', type: 'x', id: 'c1' }, suite.publisher);
    await waitUntil(() => output.includes('\n\n', output.indexOf('id: c1')));
    curl.kill();
    const frame = output.slice(output.indexOf('event: x'));
    assert.equal(frame.slice(0, frame.indexOf('\n\n') + 2), 'event: x\nid: c1\ndata: a\ndata: b\n\n');
  });

  describe('headless Chromium', { skip: browserSkipReason() }, () => {
    let browser: Browser;
    before(async () => {
      browser = await launchChromium();
    });
    after(() => browser?.close());

    test('the native EventSource receives updates, and the cookie authorizes private ones', async () => {
      const context = await browser.newContext();
      await context.addCookies([
        {
          name: 'mercureAuthorization',
          value: await token({ subscribe: ['/browser/private'] }),
          url: suite.running.origin,
        },
      ]);
      const page = await context.newPage();
      await page.goto(`${suite.running.origin}/`);
      await page.evaluate(() => {
        const w = window as unknown as { received: string[]; opened: boolean };
        w.received = [];
        const source = new EventSource('/.well-known/mercure?topic=/browser/public&topic=/browser/private', {
          withCredentials: true,
        });
        source.onopen = () => {
          w.opened = true;
        };
        source.onmessage = (e) => w.received.push(`${e.lastEventId}:${e.data}`);
      });
      await page.waitForFunction(() => (window as unknown as { opened?: boolean }).opened === true);
      await publishOk(suite.running.endpoint, { topic: '/browser/public', data: 'hello', id: 'b1' }, suite.publisher);
      await publishOk(
        suite.running.endpoint,
        { topic: '/browser/private', data: 'secret', id: 'b2', private: true },
        suite.publisher,
      );
      await page.waitForFunction(() => (window as unknown as { received: string[] }).received.length === 2);
      assert.deepEqual(await page.evaluate(() => (window as unknown as { received: string[] }).received), [
        'b1:hello',
        'b2:secret',
      ]);

      // A second context without the cookie must not see the private update.
      const anonymous = await (await browser.newContext()).newPage();
      await anonymous.goto(`${suite.running.origin}/`);
      await anonymous.evaluate(() => {
        const w = window as unknown as { received: string[]; opened: boolean };
        w.received = [];
        const source = new EventSource('/.well-known/mercure?topic=/browser/private&topic=/browser/public');
        source.onopen = () => {
          w.opened = true;
        };
        source.onmessage = (e) => w.received.push(e.data);
      });
      await anonymous.waitForFunction(() => (window as unknown as { opened?: boolean }).opened === true);
      await publishOk(
        suite.running.endpoint,
        { topic: '/browser/private', data: 'secret2', private: true },
        suite.publisher,
      );
      await publishOk(suite.running.endpoint, { topic: '/browser/public', data: 'public2' }, suite.publisher);
      await anonymous.waitForFunction(() => (window as unknown as { received: string[] }).received.length >= 1);
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(await anonymous.evaluate(() => (window as unknown as { received: string[] }).received), [
        'public2',
      ]);
      await context.close();
    });
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
