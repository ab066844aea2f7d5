/**
 * 1,000 subscribers that never read, beside healthy ones: the hub drops the slow ones (they would resume
 * by id), its memory stays bounded, and the healthy subscribers still get every update.
 */
import assert from 'node:assert/strict';
import { connect as connectSocket, type Socket } from 'node:net';
import { test } from 'node:test';
import { publishOk, startHub, subscribe, token } from '../fixtures/hub.js';

test('1,000 slow readers are dropped and bounded while healthy subscribers receive everything', async () => {
  const running = await startHub({ allowAnonymous: true, maxBufferedBytes: 64 * 1024 });
  const port = Number(new URL(running.origin).port);
  const publisher = await token({ publish: ['*'] });
  const slow: Socket[] = [];
  try {
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(
        Array.from(
          { length: 100 },
          () =>
            new Promise<void>((resolve) => {
              const socket = connectSocket(port, '127.0.0.1', () => {
                socket.write(
                  'GET /.well-known/mercure?topic=/load HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n',
                );
                socket.pause(); // never read a byte
                resolve();
              });
              socket.on('error', () => {});
              slow.push(socket);
            }),
        ),
      );
    }
    const healthy = await Promise.all([1, 2, 3].map(() => subscribe(running.endpoint, ['/load'])));
    while (running.hub.subscriberCount < 1003) await new Promise((r) => setTimeout(r, 10));
    const rssBefore = process.memoryUsage().rss;
    const payload = 'p'.repeat(16 * 1024);
    const count = 300;
    // Healthy readers read each update as it comes (they share this process's one event loop with the hub,
    // so reading only after the whole burst would make them slow readers too, and rightly dropped).
    for (let i = 0; i < count; i++) {
      await publishOk(running.endpoint, { topic: '/load', data: `${i} ${payload}` }, publisher);
      for (const reader of healthy) assert.equal((await reader.next()).data.split(' ')[0], String(i));
    }
    for (const reader of healthy) reader.close();
    // 300 × 16 KiB to 1,000 readers would be 4.7 GB if queued; the slow ones were dropped instead.
    while (running.hub.subscriberCount > 3 && running.hub.subscriberCount > 0)
      await new Promise((r) => setTimeout(r, 20));
    const metrics = await (await fetch(`${running.origin}/metrics`)).text();
    const dropped = Number(/^hotline_slow_consumer_disconnects_total (\d+)/m.exec(metrics)?.[1]);
    assert.equal(dropped, 1000, 'every slow reader was dropped as a slow consumer');
    const grown = process.memoryUsage().rss - rssBefore;
    assert.ok(grown < 512 * 1024 * 1024, `RSS grew by ${Math.round(grown / 1024 / 1024)} MiB`);
  } finally {
    for (const s of slow) s.destroy();
    await running.close();
  }
});
