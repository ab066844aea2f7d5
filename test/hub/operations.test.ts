import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { publishOk, startHub, subscribe, token } from '../fixtures/hub.js';

/** The value of one sample line of Prometheus text. */
function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  if (line === undefined) throw new Error(`metric ${name} missing`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('hub in production', () => {
  test('/healthz, /readyz and /metrics report what the test did', async () => {
    const running = await startHub({ allowAnonymous: true });
    try {
      assert.deepEqual(await (await fetch(`${running.origin}/healthz`)).json(), { status: 'ok' });
      assert.deepEqual(await (await fetch(`${running.origin}/readyz`)).json(), { status: 'ready', log: 'memory' });
      const publisher = await token({ publish: ['*'] });
      const readers = await Promise.all([
        subscribe(running.endpoint, ['/m']),
        subscribe(running.endpoint, ['/m', '/n']),
      ]);
      for (let i = 0; i < 3; i++) await publishOk(running.endpoint, { topic: '/m', data: 'x'.repeat(10) }, publisher);
      for (const r of readers) for (let i = 0; i < 3; i++) await r.next();
      await fetch(`${running.endpoint}?topic=/x`, { method: 'PUT' }).then((r) => r.text());
      const text = await (await fetch(`${running.origin}/metrics`)).text();
      assert.equal(metric(text, 'hotline_subscribers'), 2);
      assert.equal(metric(text, 'hotline_subscriptions_total'), 2);
      assert.equal(metric(text, 'hotline_updates_published_total'), 3);
      assert.equal(metric(text, 'hotline_deliveries_total'), 6);
      assert.equal(metric(text, 'hotline_history_size'), 3);
      assert.ok(metric(text, 'hotline_bytes_written_total') >= 6 * 'data: xxxxxxxxxx\n\n'.length);
      assert.equal(metric(text, 'hotline_rejected_requests_total{status="405"}'), 1);
      assert.match(text, /hotline_publish_to_write_seconds_bucket/);
      assert.match(text, /nodejs_eventloop_lag_seconds/);
      for (const r of readers) r.close();
      await waitUntil(() => running.hub.subscriberCount === 0);
      const after = await (await fetch(`${running.origin}/metrics`)).text();
      assert.equal(metric(after, 'hotline_subscribers'), 0);
      assert.equal(metric(after, 'hotline_disconnects_total'), 2);
    } finally {
      await running.close();
    }
  });

  test('streams are gzip by default, and subscribers sent the same updates share one compressor', async () => {
    const running = await startHub({ allowAnonymous: true });
    try {
      const publisher = await token({ publish: ['*'] });
      // fetch asks for gzip; its decoder hands over each event as it arrives.
      const readers = await Promise.all(Array.from({ length: 20 }, () => subscribe(running.endpoint, ['/shared'])));
      assert.equal(readers[0]!.response.headers.get('content-encoding'), 'gzip');
      for (let i = 0; i < 5; i++) {
        await publishOk(running.endpoint, { topic: '/shared', data: `{"price":${100 + i}}` }, publisher);
        for (const r of readers) assert.equal((await r.next()).data, `{"price":${100 + i}}`);
      }
      const text = await (await fetch(`${running.origin}/metrics`)).text();
      assert.equal(metric(text, 'hotline_compressed_streams'), 20);
      // The first stream in the fan-out keeps its own; the other 19 meet on one.
      assert.ok(metric(text, 'hotline_gzip_compressors') <= 2, text.match(/hotline_gzip_compressors \d+/)?.[0]);
      for (const r of readers) r.close();
      await waitUntil(() => running.hub.subscriberCount === 0);
      const after = await (await fetch(`${running.origin}/metrics`)).text();
      assert.equal(metric(after, 'hotline_compressed_streams'), 0);
      assert.equal(metric(after, 'hotline_gzip_compressors'), 0);
    } finally {
      await running.close();
    }
  });

  test('the total connection limit answers 503 and the per-IP limit 429, both with Retry-After', async () => {
    const total = await startHub({ allowAnonymous: true, maxConnections: 2 });
    const perIp = await startHub({ allowAnonymous: true, maxConnectionsPerIp: 1 });
    try {
      const a = await subscribe(total.endpoint, ['/x']);
      const b = await subscribe(total.endpoint, ['/x']);
      const refused = await fetch(`${total.endpoint}?topic=/x`);
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get('retry-after'), '5');
      await refused.text();
      a.close();
      await waitUntil(() => total.hub.subscriberCount === 1);
      const c = await subscribe(total.endpoint, ['/x']);
      assert.equal(c.response.status, 200);
      b.close();
      c.close();

      const first = await subscribe(perIp.endpoint, ['/x']);
      const second = await fetch(`${perIp.endpoint}?topic=/x`);
      assert.equal(second.status, 429);
      await second.text();
      first.close();
    } finally {
      await total.close();
      await perIp.close();
    }
  });

  test('drain tells subscribers to come back later and closes them spread over the window', async () => {
    const running = await startHub({ allowAnonymous: true });
    const readers = await Promise.all(Array.from({ length: 20 }, () => subscribe(running.endpoint, ['/drain'])));
    const started = Date.now();
    const closedAt: number[] = [];
    const watchers = readers.map(async (reader) => {
      try {
        await reader.next(5000);
      } catch {
        closedAt.push(Date.now() - started);
      }
    });
    const draining = running.hub.drain({ windowMs: 400 });
    const ready = await fetch(`${running.origin}/readyz`);
    assert.equal(ready.status, 503);
    assert.deepEqual(await ready.json(), { status: 'draining' });
    const refused = await fetch(`${running.endpoint}?topic=/drain`);
    assert.equal(refused.status, 503);
    await refused.text();
    await draining;
    await Promise.all(watchers);
    assert.equal(closedAt.length, 20);
    assert.ok(Math.max(...closedAt) - Math.min(...closedAt) > 50, 'closes are spread over the window');
    for (const reader of readers) {
      assert.equal(reader.retries.length, 1, 'each stream was told when to come back');
      assert.ok(reader.retries[0]! >= 500 && reader.retries[0]! < 1500);
    }
  });

  test('the subscriptions API lists only what the token may see, and presence is published', async () => {
    const running = await startHub({ allowAnonymous: true, subscriptionsApi: true });
    try {
      const watcher = await subscribe(running.endpoint, ['/.well-known/mercure/subscriptions/{topic}/{subscriber}'], {
        token: await token({ subscribe: ['/.well-known/mercure/subscriptions/{topic}/{subscriber}'] }),
      });
      const match = await subscribe(running.endpoint, ['/matches/1'], {
        token: await token({ subscribe: [], payload: { user: 'ann' } }),
      });
      type Presence = { topic: string; active: boolean; payload: unknown; type: string };
      // The watcher first sees its own subscription announced, then the one it waits for.
      const nextAbout = async (topic: string): Promise<Presence> => {
        for (;;) {
          const presence = JSON.parse((await watcher.next()).data) as Presence;
          if (presence.topic === topic) return presence;
        }
      };
      const presence = await nextAbout('/matches/1');
      assert.deepEqual(
        [presence.type, presence.topic, presence.active, presence.payload],
        ['Subscription', '/matches/1', true, { user: 'ann' }],
      );

      const all = await fetch(`${running.origin}/.well-known/mercure/subscriptions`, {
        headers: {
          Authorization: `Bearer ${await token({ subscribe: ['/.well-known/mercure/subscriptions{/topic}{/subscriber}'] })}`,
        },
      });
      assert.equal(all.status, 200);
      const body = (await all.json()) as { type: string; subscriptions: { topic: string }[] };
      assert.equal(body.type, 'Subscriptions');
      assert.deepEqual(body.subscriptions.map((s) => s.topic).sort(), [
        '/.well-known/mercure/subscriptions/{topic}/{subscriber}',
        '/matches/1',
      ]);

      const narrow = await fetch(
        `${running.origin}/.well-known/mercure/subscriptions/${encodeURIComponent('/matches/1')}`,
        {
          headers: {
            Authorization: `Bearer ${await token({ subscribe: [`/.well-known/mercure/subscriptions/${encodeURIComponent('/matches/1')}{/subscriber}`] })}`,
          },
        },
      );
      const narrowBody = (await narrow.json()) as { subscriptions: { topic: string }[] };
      assert.deepEqual(
        narrowBody.subscriptions.map((s) => s.topic),
        ['/matches/1'],
      );

      const forbidden = await fetch(`${running.origin}/.well-known/mercure/subscriptions`, {
        headers: { Authorization: `Bearer ${await token({ subscribe: ['/other'] })}` },
      });
      assert.equal(forbidden.status, 403);
      await forbidden.text();

      match.close();
      const gone = await nextAbout('/matches/1');
      assert.equal(gone.active, false);
      watcher.close();
    } finally {
      await running.close();
    }
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
