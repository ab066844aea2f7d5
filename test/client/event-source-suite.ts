/**
 * One EventSource behaviour suite, run against Hotline's EventSource and the `eventsource` npm package
 * (a real third-party implementation) so that our tests stay honest about what the spec requires.
 * Cases follow the WHATWG web-platform-tests `eventsource/` directory where they apply outside a browser.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startTestServer, streamHead, waitUntil } from '../fixtures/sse-test-server.js';

interface EventSourceLike extends EventTarget {
  readonly readyState: number;
  readonly url: string;
  close(): void;
  onmessage: ((event: MessageEvent) => unknown) | null;
  onerror: ((event: Event) => unknown) | null;
  onopen: ((event: Event) => unknown) | null;
}

export type EventSourceConstructor = new (url: string, init?: { withCredentials?: boolean }) => EventSourceLike;

/** Serves `body` (written in one piece) then holds the stream open; collects message events. */
async function receive(
  EventSourceClass: EventSourceConstructor,
  body: string | Uint8Array,
  expected: number,
  types: string[] = [],
) {
  const server = await startTestServer((_req, res) => {
    streamHead(res);
    res.write(body);
  });
  const source = new EventSourceClass(server.url);
  const messages: { type: string; data: string; lastEventId: string }[] = [];
  const record = (e: Event) => {
    const m = e as MessageEvent;
    messages.push({ type: m.type, data: String(m.data), lastEventId: m.lastEventId });
  };
  source.addEventListener('message', record);
  for (const type of types) source.addEventListener(type, record);
  try {
    await waitUntil(() => messages.length >= expected, 3000);
    await new Promise((r) => setTimeout(r, 30));
    return messages;
  } finally {
    source.close();
    await server.close();
  }
}

export function eventSourceSuite(
  name: string,
  EventSourceClass: EventSourceConstructor,
  options: { skip?: string[] } = {},
): void {
  const maybe = (title: string, fn: () => Promise<void>) =>
    test(title, { skip: options.skip?.includes(title) ? 'differs from the spec' : false }, fn);

  describe(`EventSource behaviour: ${name}`, () => {
    maybe('format: a leading BOM is ignored', async () => {
      const messages = await receive(EventSourceClass, '\uFEFFdata: 1\n\n', 1);
      assert.deepEqual(
        messages.map((m) => m.data),
        ['1'],
      );
    });

    maybe('format: CR, LF and CRLF all end lines', async () => {
      const messages = await receive(EventSourceClass, 'data: a\rdata: b\n\ndata: c\r\n\r\n', 2);
      assert.deepEqual(
        messages.map((m) => m.data),
        ['a\nb', 'c'],
      );
    });

    maybe('format: comments are ignored', async () => {
      const messages = await receive(EventSourceClass, ': hello\ndata: x\n:\n\n', 1);
      assert.deepEqual(
        messages.map((m) => m.data),
        ['x'],
      );
    });

    maybe('format: field names are case-sensitive, unknown fields ignored', async () => {
      const messages = await receive(EventSourceClass, 'DATA: no\nfoo: bar\ndata: yes\n\n', 1);
      assert.deepEqual(
        messages.map((m) => m.data),
        ['yes'],
      );
    });

    maybe('format: data with and without a space after the colon', async () => {
      const messages = await receive(EventSourceClass, 'data:a\n\ndata: b\n\ndata:  c\n\n', 3);
      assert.deepEqual(
        messages.map((m) => m.data),
        ['a', 'b', ' c'],
      );
    });

    maybe('format: an id containing NUL is ignored', async () => {
      const messages = await receive(EventSourceClass, 'id: 1\ndata: a\n\nid: 2\u00003\ndata: b\n\n', 2);
      assert.deepEqual(
        messages.map((m) => m.lastEventId),
        ['1', '1'],
      );
    });

    maybe('format: NUL in data is kept', async () => {
      const messages = await receive(EventSourceClass, 'data: a\u0000b\n\n', 1);
      assert.equal(messages[0]?.data, 'a\u0000b');
    });

    maybe('format: bogus retry values are ignored and do not break the stream', async () => {
      const messages = await receive(EventSourceClass, 'retry: 1.5\nretry: -1\nretry: x\ndata: ok\n\n', 1);
      assert.deepEqual(
        messages.map((m) => m.data),
        ['ok'],
      );
    });

    maybe('format: named events reach their listeners, with the type', async () => {
      const messages = await receive(EventSourceClass, 'event: tick\ndata: 1\n\ndata: 2\n\n', 2, ['tick']);
      assert.deepEqual(
        messages.map((m) => m.type),
        ['tick', 'message'],
      );
    });

    maybe('format: an event without the final blank line is not dispatched', async () => {
      const messages = await receive(EventSourceClass, 'data: 1\n\ndata: 2', 1);
      assert.deepEqual(
        messages.map((m) => m.data),
        ['1'],
      );
    });

    maybe('format: invalid UTF-8 becomes U+FFFD', async () => {
      const messages = await receive(
        EventSourceClass,
        Uint8Array.of(0x64, 0x61, 0x74, 0x61, 0x3a, 0xff, 0x0a, 0x0a),
        1,
      );
      assert.equal(messages[0]?.data, '\uFFFD');
    });

    maybe('request: Accept and Cache-Control headers are sent', async () => {
      const server = await startTestServer((_req, res) => streamHead(res));
      const source = new EventSourceClass(server.url);
      await waitUntil(() => server.requests.length === 1);
      source.close();
      await server.close();
      assert.equal(server.requests[0]?.headers.accept, 'text/event-stream');
      assert.equal(server.requests[0]?.headers['cache-control'], 'no-cache');
    });

    maybe('request: reconnects after a clean end, sending Last-Event-ID, honouring retry', async () => {
      const server = await startTestServer((_req, res, attempt) => {
        streamHead(res);
        if (attempt === 1) res.end('retry: 50\nid: first\ndata: 1\n\n');
        else res.write('data: 2\n\n');
      });
      const source = new EventSourceClass(server.url);
      const data: string[] = [];
      let errors = 0;
      source.onmessage = (e) => data.push(String(e.data));
      source.onerror = () => errors++;
      try {
        await waitUntil(() => data.length === 2);
        assert.deepEqual(data, ['1', '2']);
        assert.equal(server.requests[1]?.headers['last-event-id'], 'first');
        assert.equal(errors, 1);
        assert.equal(source.readyState, 1);
      } finally {
        source.close();
        await server.close();
      }
    });

    /** Serves `first` then ends; later connections get `data: b`. Returns the messages and the requests. */
    async function reconnectAfter(first: string, expected: number) {
      const server = await startTestServer((_req, res, attempt) => {
        streamHead(res);
        if (attempt === 1) res.end(first);
        else res.write('data: b\n\n');
      });
      const source = new EventSourceClass(server.url);
      const messages: { data: string; lastEventId: string }[] = [];
      source.onmessage = (e) => messages.push({ data: String(e.data), lastEventId: e.lastEventId });
      try {
        await waitUntil(() => messages.length >= expected);
        return { messages, lastEventIdHeader: server.requests[1]?.headers['last-event-id'] };
      } finally {
        source.close();
        await server.close();
      }
    }

    // spec(§9.2.6) dispatch step 1, "Set the last event ID string of the event source to the value of the
    // last event ID buffer", comes before "If the data buffer is an empty string ... return".
    maybe(
      'format: an id-only block sets the last event ID string: the reconnection sends it, later events carry it',
      async () => {
        const { messages, lastEventIdHeader } = await reconnectAfter('retry: 50\ndata: a\nid: 1\n\nid: 7\n\n', 2);
        assert.equal(lastEventIdHeader, '7');
        assert.deepEqual(messages, [
          { data: 'a', lastEventId: '1' },
          { data: 'b', lastEventId: '7' },
        ]);
      },
    );

    // WPT format-data-before-final-empty-line; spec(§9.2.6): "If the file ends in the middle of an event,
    // before the final empty line, the incomplete event is not dispatched."
    maybe('format: the id of an event cut off before its final empty line is never used', async () => {
      const { messages, lastEventIdHeader } = await reconnectAfter('retry: 50\ndata:test1\n\nid:test\ndata:test2', 2);
      assert.equal(lastEventIdHeader, undefined, 'no id was ever dispatched: no Last-Event-ID');
      assert.deepEqual(messages, [
        { data: 'test1', lastEventId: '' },
        { data: 'b', lastEventId: '' },
      ]);
    });

    for (const [label, status, contentType] of [
      ['a 204 stops for good', 204, 'text/event-stream'],
      ['a 500 fails for good', 500, 'text/event-stream'],
      ['a 404 fails for good', 404, 'text/event-stream'],
      ['a wrong Content-Type fails for good', 200, 'text/plain'],
    ] as const) {
      maybe(`request: ${label}`, async () => {
        const server = await startTestServer((_req, res) => {
          res.writeHead(status, { 'Content-Type': contentType });
          res.end(status === 204 ? undefined : 'data: no\n\n');
        });
        const source = new EventSourceClass(server.url);
        let errors = 0;
        source.onerror = () => errors++;
        try {
          await waitUntil(() => errors === 1);
          await new Promise((r) => setTimeout(r, 100));
          assert.equal(source.readyState, 2);
          assert.equal(server.requests.length, 1);
        } finally {
          source.close();
          await server.close();
        }
      });
    }

    for (const status of [301, 302, 307]) {
      maybe(`request: a ${status} redirect is followed`, async () => {
        const server = await startTestServer((req, res) => {
          if (req.url === '/start') {
            res.writeHead(status, { Location: '/stream' });
            res.end();
          } else {
            streamHead(res);
            res.write('data: redirected\n\n');
          }
        });
        const source = new EventSourceClass(`${server.url}/start`);
        const data: string[] = [];
        source.onmessage = (e) => data.push(String(e.data));
        try {
          await waitUntil(() => data.length === 1);
          assert.deepEqual(data, ['redirected']);
          assert.equal(source.url, `${server.url}/start`);
        } finally {
          source.close();
          await server.close();
        }
      });
    }

    maybe('lifecycle: readyState goes CONNECTING → OPEN, close() during connecting stops everything', async () => {
      let respond: (() => void) | undefined;
      const server = await startTestServer((_req, res) => {
        respond = () => {
          streamHead(res);
          res.write('data: late\n\n');
        };
      });
      const source = new EventSourceClass(server.url);
      assert.equal(source.readyState, 0);
      let events = 0;
      source.onmessage = () => events++;
      source.onopen = () => events++;
      source.onerror = () => events++;
      await waitUntil(() => respond !== undefined);
      source.close();
      assert.equal(source.readyState, 2);
      respond!();
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(events, 0);
      await server.close();
    });
  });
}
