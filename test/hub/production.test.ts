import assert from 'node:assert/strict';
import { connect as connectSocket } from 'node:net';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { connect } from '../../src/client/index.js';
import { createHub } from '../../src/hub/hub.js';
import { createMemoryLog } from '../../src/hub/log/memory.js';
import { publish, publishOk, SECRET, startHub, subscribe, token } from '../fixtures/hub.js';

describe('hub in production: drain, timeouts, logs', () => {
  test('500 subscribers drained from one node resume on another, spread out, with no loss and no duplicate', async () => {
    const log = createMemoryLog();
    const a = await createHub({ log, allowAnonymous: true, heartbeatMs: 0, publisherKey: { secret: SECRET } });
    const b = await createHub({ log, allowAnonymous: true, heartbeatMs: 0, publisherKey: { secret: SECRET } });
    const portA = (await a.listen(0)).port;
    const portB = (await b.listen(0)).port;
    const publisher = await token({ publish: ['*'] });
    let aDraining = false;
    // A client-side balancer: once node A drains, connections go to node B.
    const balance = (url: string, init: RequestInit) =>
      fetch(aDraining ? url.replace(`:${portA}/`, `:${portB}/`) : url, init);
    const count = 500;
    const received = Array.from({ length: count }, () => [] as number[]);
    const reconnectedAt: number[] = [];
    const connections = received.map((events, i) =>
      connect(`http://127.0.0.1:${portA}/.well-known/mercure?topic=/drain`, {
        fetch: balance as never,
        reconnect: { minDelayMs: 10, maxDelayMs: 50 },
        onRetry: () => {
          if (i >= 0) reconnectedAt.push(Date.now());
        },
        onEvent: (event) => events.push(Number(event.data)),
      }),
    );
    while (a.subscriberCount < count) await new Promise((r) => setTimeout(r, 10));
    let sent = 0;
    const publishSome = async (n: number, port: number) => {
      for (let i = 0; i < n; i++)
        await publishOk(
          `http://127.0.0.1:${port}/.well-known/mercure`,
          { topic: '/drain', data: String(++sent) },
          publisher,
        );
    };
    await publishSome(5, portA);
    const drainStarted = Date.now();
    aDraining = true;
    const draining = a.drain({ windowMs: 1000 });
    // Publishing goes on during the drain, through node B: every update must still reach everyone once.
    while (b.subscriberCount < count) {
      await publishSome(1, portB);
      await new Promise((r) => setTimeout(r, 20));
    }
    await draining;
    await publishSome(5, portB);
    const deadline = Date.now() + 10_000;
    while (received.some((events) => events.length < sent) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    for (const c of connections) c.close();
    await b.close();
    await log.close();
    const expected = Array.from({ length: sent }, (_, i) => i + 1);
    let lost = 0;
    let duplicated = 0;
    for (const events of received) {
      lost += expected.filter((n) => !events.includes(n)).length;
      duplicated += events.length - new Set(events).size;
      assert.deepEqual(events, expected);
    }
    assert.equal(lost, 0);
    assert.equal(duplicated, 0);
    // No thundering herd: reconnections are spread over most of the window, not bunched at one instant.
    const offsets = reconnectedAt.map((t) => t - drainStarted).sort((x, y) => x - y);
    assert.equal(offsets.length, count);
    const inFirstTenth = offsets.filter((o) => o < 100).length;
    assert.ok(inFirstTenth < count / 4, `${inFirstTenth} of ${count} reconnected in the first 100 ms`);
  });

  test('a client that trickles its headers (slowloris) is cut off after headersTimeoutMs', async () => {
    const running = await startHub({ allowAnonymous: true, headersTimeoutMs: 300 });
    try {
      const port = Number(new URL(running.origin).port);
      const socket = connectSocket(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write('GET /.well-known/mercure?topic=/x HTTP/1.1\r\nHost: x\r\n');
      const trickle = setInterval(() => socket.write('X-Slow: 1\r\n'), 50);
      const response = await new Promise<string>((resolve) => {
        let text = '';
        socket.on('data', (c: Buffer) => {
          text += c.toString();
        });
        socket.on('close', () => resolve(text));
      });
      clearInterval(trickle);
      assert.match(response, /^HTTP\/1\.1 408/);
      // A stream whose request arrived in time lives far longer than the header timeout.
      const reader = await subscribe(running.endpoint, ['/x']);
      await new Promise((r) => setTimeout(r, 700));
      await publishOk(running.endpoint, { topic: '/x', data: 'still here' }, await token({ publish: ['*'] }));
      assert.equal((await reader.next()).data, 'still here');
      reader.close();
    } finally {
      await running.close();
    }
  });

  test('logs say what happened and never contain a token', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const running = await startHub({ allowAnonymous: false, logger: pino({ level: 'debug' }, sink) });
    const publisher = await token({ publish: ['*'] });
    const subscriberToken = await token({ subscribe: ['*'] });
    const wrong = await token({ publish: ['*'] }, 'another-secret-another-secret-0123456');
    try {
      const reader = await subscribe(running.endpoint, ['/log'], { token: subscriberToken });
      await publishOk(running.endpoint, { topic: '/log', data: 'x' }, publisher);
      await reader.next();
      await (await publish(running.endpoint, { topic: '/log', data: 'x' }, wrong)).text();
      await (await fetch(`${running.endpoint}?topic=/log&authorization=${wrong}`)).text();
      reader.close();
      while (running.hub.subscriberCount > 0) await new Promise((r) => setTimeout(r, 5));
    } finally {
      await running.close();
    }
    const text = lines.join('\n');
    for (const secret of [publisher, subscriberToken, wrong, SECRET])
      assert.ok(!text.includes(secret), 'no token or secret in the logs');
    const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    for (const expected of ['subscribed', 'published', 'request rejected', 'unsubscribed'])
      assert.ok(messages.includes(expected), expected);
    const rejected = lines
      .map((l) => JSON.parse(l) as { msg: string; status?: number; code?: string })
      .filter((l) => l.msg === 'request rejected');
    assert.deepEqual(
      rejected.map((l) => l.status),
      [401, 401],
    );
  });
});
