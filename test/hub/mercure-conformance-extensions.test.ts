/**
 * The hub's own additions to Mercure — the `reset` event, heartbeat comments, slow-consumer conflation, state
 * on subscribe — stay invisible to a client that does not ask for them: a WHATWG EventSource (the `eventsource` npm
 * package, as any Mercure subscriber would use) listening to `message` sees exactly the updates published,
 * with their ids, and nothing else. docs/mercure.md ("Hotline's extensions") explains each.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventSource } from 'eventsource';
import type { HubOptions } from '../../src/hub/options.js';
import { publishOk, type RunningHub, startHub, token } from '../fixtures/hub.js';

interface Seen {
  readonly type: string;
  readonly data: string;
  readonly id: string;
}

/** An `eventsource` client recording `message` events, plus the event types named in `alsoListen`. */
async function openEventSource(url: string, alsoListen: string[] = []) {
  const source = new EventSource(url);
  const seen: Seen[] = [];
  const record = (event: MessageEvent) =>
    seen.push({ type: event.type, data: String(event.data), id: event.lastEventId });
  source.addEventListener('message', record);
  for (const type of alsoListen) source.addEventListener(type, record);
  await new Promise<void>((resolve, reject) => {
    source.addEventListener('open', () => resolve(), { once: true });
    source.addEventListener('error', () => reject(new Error(`cannot open ${url}`)), { once: true });
  });
  return { source, seen };
}

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The decoded bytes of one stream, read until `until` holds or `timeoutMs` passes. */
async function readStream(url: string, until: (text: string) => boolean, timeoutMs = 5000): Promise<string> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { Accept: 'text/event-stream' }, signal: controller.signal });
  const decoder = new TextDecoder();
  let text = '';
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      if (until(text)) break;
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return text;
}

async function withHub(options: HubOptions, run: (running: RunningHub, publisher: string) => Promise<void>) {
  const running = await startHub({ allowAnonymous: true, ...options });
  try {
    await run(running, await token({ publish: ['*'] }));
  } finally {
    await running.close();
  }
}

describe("Hotline's extensions stay invisible to Mercure clients that do not ask for them", () => {
  test('[NON-SPEC] the reset event is a typed event without id: message listeners never see it, and the last id stays', () =>
    withHub({}, async (running, publisher) => {
      await publishOk(running.endpoint, { topic: '/ext/reset', data: 'old', id: 'old-1' }, publisher);
      const url = `${running.endpoint}?topic=/ext/reset&lastEventID=evicted-long-ago`;
      const plain = await openEventSource(url);
      const asking = await openEventSource(url, ['reset']);
      try {
        await publishOk(running.endpoint, { topic: '/ext/reset', data: 'new', id: 'new-1' }, publisher);
        await waitUntil(() => plain.seen.length === 1 && asking.seen.length === 2);
        assert.deepEqual(plain.seen, [{ type: 'message', data: 'new', id: 'new-1' }]);
        const [reset, update] = asking.seen;
        assert.equal(reset?.type, 'reset');
        assert.equal(reset?.id, '', 'a reset never moves the id a reconnect would send');
        assert.deepEqual(JSON.parse(reset?.data ?? ''), {
          reason: 'unknown-last-event-id',
          lastEventId: 'evicted-long-ago',
        });
        assert.deepEqual(update, { type: 'message', data: 'new', id: 'new-1' });
      } finally {
        plain.source.close();
        asking.source.close();
      }
    }));

  test('[NON-SPEC] heartbeats and the opening line are SSE comments: a client sees only the updates', () =>
    withHub({ heartbeatMs: 20 }, async (running, publisher) => {
      const url = `${running.endpoint}?topic=/ext/heartbeat`;
      const client = await openEventSource(url);
      const raw = readStream(url, (text) => text.includes('id: hb-1') && text.split('\n:').length > 6);
      try {
        await new Promise((resolve) => setTimeout(resolve, 50));
        await publishOk(running.endpoint, { topic: '/ext/heartbeat', data: 'beat', id: 'hb-1' }, publisher);
        const text = await raw;
        await new Promise((resolve) => setTimeout(resolve, 100)); // heartbeats go on after the update
        assert.deepEqual(client.seen, [{ type: 'message', data: 'beat', id: 'hb-1' }]);
        const outsideEvents = text
          .replace('id: hb-1\ndata: beat\n\n', '')
          .split('\n')
          .filter((line) => line !== '');
        assert.ok(outsideEvents.length >= 3, `heartbeats were sent: ${JSON.stringify(text)}`);
        for (const line of outsideEvents) assert.ok(line.startsWith(':'), `only comments besides the update: ${line}`);
      } finally {
        client.source.close();
      }
    }));

  test('[NON-SPEC] state on subscribe: a client that sends no state parameter gets no history, only what it subscribed to', () =>
    withHub({}, async (running, publisher) => {
      await publishOk(running.endpoint, { topic: '/ext/state', data: 'before', id: 'st-1' }, publisher);
      const plain = await openEventSource(`${running.endpoint}?topic=/ext/state`);
      const asking = await openEventSource(`${running.endpoint}?topic=/ext/state&state=latest`);
      try {
        await waitUntil(() => asking.seen.length === 1);
        await publishOk(running.endpoint, { topic: '/ext/state', data: 'after', id: 'st-2' }, publisher);
        await waitUntil(() => plain.seen.length === 1 && asking.seen.length === 2);
        assert.deepEqual(plain.seen, [{ type: 'message', data: 'after', id: 'st-2' }]);
        assert.deepEqual(asking.seen, [
          { type: 'message', data: 'before', id: 'st-1' },
          { type: 'message', data: 'after', id: 'st-2' },
        ]);
      } finally {
        plain.source.close();
        asking.source.close();
      }
    }));

  test('[NON-SPEC] the probe comments (hotlineProbe) come only to a client that asks', () =>
    withHub({}, async (running, publisher) => {
      const base = `${running.endpoint}?topic=/ext/probe`;
      const plainRaw = readStream(base, (text) => text.includes('id: pr-1'));
      const probedRaw = readStream(`${base}&hotlineProbe=1`, (text) => text.includes('id: pr-1'));
      await new Promise((resolve) => setTimeout(resolve, 50));
      await publishOk(running.endpoint, { topic: '/ext/probe', data: 'x', id: 'pr-1' }, publisher);
      const [plainText, probedText] = [await plainRaw, await probedRaw];
      assert.ok(!/probe|state end/.test(plainText), JSON.stringify(plainText));
      assert.match(probedText, /^: probe 1 /m);
    }));

  test('[NON-SPEC] a conflation policy changes no byte for a subscriber that keeps up', async () => {
    const policy: HubOptions = { slowConsumers: { '/ext/ticker/{symbol}': { policy: 'conflate' } } };
    const streams: string[] = [];
    for (const options of [{}, policy]) {
      await withHub(options, async (running, publisher) => {
        const url = `${running.endpoint}?topic=${encodeURIComponent('/ext/ticker/{symbol}')}`;
        const client = await openEventSource(url);
        const raw = readStream(url, (text) => text.includes('id: t-6\n'));
        try {
          await new Promise((resolve) => setTimeout(resolve, 50));
          for (let i = 1; i <= 6; i++) {
            const topic = `/ext/ticker/${i % 2 === 0 ? 'ACME' : 'INIT'}`;
            await publishOk(running.endpoint, { topic, data: `{"price":${i}}`, id: `t-${i}` }, publisher);
          }
          const text = await raw;
          await waitUntil(() => client.seen.length === 6);
          assert.deepEqual(
            client.seen.map((event) => event.id),
            ['t-1', 't-2', 't-3', 't-4', 't-5', 't-6'],
          );
          streams.push(text.slice(text.indexOf('id: t-1')));
        } finally {
          client.source.close();
        }
      });
    }
    assert.equal(streams[1], streams[0]);
  });
});
