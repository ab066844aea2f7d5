/**
 * [NON-SPEC] `connect({ state })` against a real hub: the first connection asks for state, a reconnection
 * resumes by `Last-Event-ID` instead, so the state comes once and nothing comes twice.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connect, EventSource } from '../../src/client/index.js';
import type { FetchLike } from '../../src/client/types.js';
import type { ParsedEvent } from '../../src/protocol/index.js';
import { hubForSuite, publishOk, startHub } from '../fixtures/hub.js';

/** `fetch`, recording each request's URL and `Last-Event-ID`. */
function recordingFetch(requests: { url: URL; lastEventId: string | undefined }[]): FetchLike {
  return (async (url: string, init: { headers: Record<string, string> }) => {
    requests.push({ url: new URL(url), lastEventId: init.headers['Last-Event-ID'] });
    return fetch(url, init as RequestInit);
  }) as unknown as FetchLike;
}

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('[NON-SPEC] connect({ state })', () => {
  const suite = hubForSuite({ allowAnonymous: true });

  test('the first connection asks for state; the reconnection resumes after the last id instead', async () => {
    const { endpoint } = suite.running;
    const ids: string[] = [];
    for (let i = 1; i <= 4; i++)
      ids.push(await publishOk(endpoint, { topic: '/c/news', data: `n${i}` }, suite.publisher));
    await publishOk(endpoint, { topic: '/c/stocks/A', data: 'A1' }, suite.publisher);
    await publishOk(endpoint, { topic: '/c/stocks/A', data: 'A2' }, suite.publisher);
    const requests: { url: URL; lastEventId: string | undefined }[] = [];
    const seen: ParsedEvent[] = [];
    const url = `${endpoint}?topic=/c/news&topic=${encodeURIComponent('/c/stocks/{s}')}`;
    const connection = connect(url, {
      state: ['latest', 'last:2@/c/news'],
      fetch: recordingFetch(requests),
      onEvent: (event) => seen.push(event),
      // No event for this long drops the connection: the reconnection this test is about.
      progressTimeoutMs: 400,
      reconnect: { minDelayMs: 10, maxDelayMs: 10 },
    });
    try {
      await waitUntil(() => seen.length === 3);
      assert.deepEqual(
        seen.map((event) => event.data),
        ['n3', 'n4', 'A2'],
      );
      await waitUntil(() => requests.length >= 2);
      await publishOk(endpoint, { topic: '/c/news', data: 'n5' }, suite.publisher);
      await waitUntil(() => seen.length === 4);
      assert.equal(seen[3]?.data, 'n5');
      assert.deepEqual(requests[0]?.url.searchParams.getAll('state'), ['latest', 'last:2@/c/news']);
      assert.equal(requests[0]?.lastEventId, undefined);
      assert.deepEqual(requests[1]?.url.searchParams.getAll('state'), []);
      assert.equal(requests[1]?.lastEventId, seen[2]?.lastEventId);
      assert.deepEqual(requests[1]?.url.searchParams.getAll('topic'), ['/c/news', '/c/stocks/{s}']);
    } finally {
      connection.close();
    }
  });

  test('a client given a last event id never asks for state', async () => {
    const { endpoint } = suite.running;
    const first = await publishOk(endpoint, { topic: '/c/feed', data: 'f1' }, suite.publisher);
    await publishOk(endpoint, { topic: '/c/feed', data: 'f2' }, suite.publisher);
    const requests: { url: URL; lastEventId: string | undefined }[] = [];
    const seen: string[] = [];
    const connection = connect(`${endpoint}?topic=/c/feed`, {
      state: 'last:5',
      lastEventId: first,
      fetch: recordingFetch(requests),
      onEvent: (event) => seen.push(event.data),
    });
    try {
      await waitUntil(() => seen.length === 1);
      assert.deepEqual(seen, ['f2']);
      assert.deepEqual(requests[0]?.url.searchParams.getAll('state'), []);
    } finally {
      connection.close();
    }
  });
});

describe('[NON-SPEC] connect({ share, state }): a connection that joins an open shared one', () => {
  test('gets its state through a short request of its own while updates keep coming, then follows the relay: in order, none twice', async () => {
    const running = await startHub({ allowAnonymous: true });
    const url = `${running.endpoint}?topic=${encodeURIComponent('/j/{t}')}`;
    const order: string[] = [];
    const publish = async (topic: string) => {
      const id = `j${order.length}`;
      order.push(id);
      await running.hub.publish({ topics: `/j/${topic}`, id, data: topic });
    };
    for (const topic of ['a', 'b', 'a', 'c', 'b', 'a']) await publish(topic);
    const leaderSeen: string[] = [];
    const joinerSeen: { id: string; topic: string }[] = [];
    const options = { share: { name: `join-${Date.now()}` }, state: 'latest' as const };
    const leader = connect(url, { ...options, onEvent: (e) => leaderSeen.push(e.lastEventId) });
    let joiner: ReturnType<typeof connect> | undefined;
    try {
      await waitUntil(() => leaderSeen.length === 3);
      // Updates stored while the second connection joins and reads its state.
      let publishing = true;
      const publisher = (async () => {
        for (let i = 0; publishing && i < 200; i++) {
          await publish(['a', 'b', 'c'][i % 3]!);
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      })();
      joiner = connect(url, {
        ...options,
        onEvent: (e) => joinerSeen.push({ id: e.lastEventId, topic: e.data }),
        // A slow request of its own: the relay meanwhile brings updates the state will sum up.
        fetch: (async (input: string, init: RequestInit) => {
          await new Promise((resolve) => setTimeout(resolve, 100));
          return fetch(input, init);
        }) as unknown as FetchLike,
      });
      await waitUntil(() => joinerSeen.length >= 10);
      publishing = false;
      await publisher;
      const last = order.at(-1)!;
      await waitUntil(() => joinerSeen.at(-1)?.id === last && leaderSeen.at(-1) === last);
      await waitUntil(() => running.hub.subscriberCount === 1);
      // What the joiner got: its state (the newest update of distinct topics), then every later update.
      const ids = joinerSeen.map((e) => e.id);
      assert.equal(new Set(ids).size, ids.length, `no duplicate: ${ids.join(' ')}`);
      const fits = order.some((_, p) => {
        const rest = order.slice(p);
        const head = ids.slice(0, ids.length - rest.length);
        const topics = head.map((id) => joinerSeen.find((e) => e.id === id)!.topic);
        return (
          JSON.stringify(ids.slice(head.length)) === JSON.stringify(rest) &&
          head.length >= 1 &&
          new Set(topics).size === topics.length &&
          head.every((id, i) => order.indexOf(id) < p && (i === 0 || order.indexOf(id) > order.indexOf(head[i - 1]!)))
        );
      });
      assert.ok(fits, `state, then every update after it, in order: ${ids.join(' ')}`);
    } finally {
      leader.close();
      joiner?.close();
      await running.close();
    }
  });
});

describe('[NON-SPEC] an EventSource with state in its URL', () => {
  const suite = hubForSuite({ allowAnonymous: true });

  test('gets the state once: its reconnection sends Last-Event-ID, which wins over the state in the URL', async () => {
    const { endpoint } = suite.running;
    await publishOk(endpoint, { topic: '/es/a', data: 'a1' }, suite.publisher);
    const latest = await publishOk(endpoint, { topic: '/es/a', data: 'a2' }, suite.publisher);
    const requests: { url: URL; lastEventId: string | undefined }[] = [];
    // The first response ends right after its state, as a dropped connection would.
    const fetchOnce = (async (url: string, init: { headers: Record<string, string> }) => {
      requests.push({ url: new URL(url), lastEventId: init.headers['Last-Event-ID'] ?? init.headers['last-event-id'] });
      const response = await fetch(url, init as RequestInit);
      if (requests.length > 1 || response.body === null) return response;
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let text = '';
      const cut = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) return controller.close();
          controller.enqueue(value);
          text += decoder.decode(value, { stream: true });
          if (text.includes(': state end')) {
            await reader.cancel();
            controller.close();
          }
        },
      });
      return new Response(cut, { status: response.status, headers: response.headers });
    }) as unknown as FetchLike;
    const source = new EventSource(`${endpoint}?topic=/es/a&state=latest`, { fetch: fetchOnce });
    const seen: string[] = [];
    source.addEventListener('message', (event) => seen.push((event as MessageEvent).data as string));
    try {
      await waitUntil(() => requests.length === 2, 10_000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await publishOk(endpoint, { topic: '/es/a', data: 'a3' }, suite.publisher);
      await waitUntil(() => seen.includes('a3'), 10_000);
      assert.deepEqual(seen, ['a2', 'a3']);
      assert.equal(requests[1]?.lastEventId, latest);
      assert.deepEqual(requests[1]?.url.searchParams.getAll('state'), ['latest']);
    } finally {
      source.close();
    }
  });
});
