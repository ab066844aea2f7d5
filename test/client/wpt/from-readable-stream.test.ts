/**
 * Port of web-platform-tests/wpt `eventsource/eventsource-from-readable-stream.any.js` and
 * `eventsource/eventsource-from-readable-stream-fetch.window.js`: `EventSource.fromReadableStream()`, with
 * the `lastEventId` and `reconnectionTime` attributes, as proposed for HTML (whatwg/html pull request
 * #12272). WPT is © web-platform-tests contributors, BSD-3-Clause
 * (https://github.com/web-platform-tests/wpt/blob/master/LICENSE.md). See ./README.md.
 */
import assert from 'node:assert/strict';
import { type EventSourceClass, type EventSourceLike, wptFile } from './harness.js';

const NOT_IMPLEMENTED = { skip: { eventsource: 'eventsource@4 has no fromReadableStream() (a proposed API)' } };

/** The proposal's attributes, which only a stream-capable EventSource has. */
type StreamEventSource = EventSourceLike & { readonly lastEventId: string; readonly reconnectionTime: number };

function fromStream(EventSource: EventSourceClass, stream: ReadableStream<Uint8Array>): StreamEventSource {
  return EventSource.fromReadableStream!(stream) as StreamEventSource;
}

/** A stream of `text`'s UTF-8 bytes, then closed. */
function streamFromString(text: string): ReadableStream<Uint8Array> {
  return streamFromChunks([text]);
}

/** A stream of each chunk's UTF-8 bytes in turn, then closed. */
function streamFromChunks(chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });
}

function streamThatErrors(error: Error): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.error(error);
    },
  });
}

wptFile(
  'eventsource-from-readable-stream.any.js',
  ({ EventSource, Original, asyncTest, test }) => {
    // --- Construction and initial state ---
    test('fromReadableStream() returns an EventSource instance', () => {
      const source = fromStream(EventSource, streamFromString(''));
      assert.ok(source instanceof (Original as unknown as typeof EventTarget));
      source.close();
    });

    test('readyState is CONNECTING immediately after construction', () => {
      const source = fromStream(EventSource, streamFromString(''));
      assert.equal(source.readyState, EventSource.CONNECTING);
      source.close();
    });

    test('url returns about:event-stream', () => {
      const source = fromStream(EventSource, streamFromString(''));
      assert.equal(source.url, 'about:event-stream');
      source.close();
    });

    test('withCredentials returns false', () => {
      const source = fromStream(EventSource, streamFromString(''));
      assert.equal(source.withCredentials, false);
      source.close();
    });

    test('lastEventId initially returns the empty string', () => {
      const source = fromStream(EventSource, streamFromString(''));
      assert.equal(source.lastEventId, '');
      source.close();
    });

    test('reconnectionTime initially returns a positive value', () => {
      const source = fromStream(EventSource, streamFromString(''));
      assert.ok(source.reconnectionTime > 0);
      source.close();
    });

    // --- Error conditions ---
    test('throws TypeError if the stream is locked', () => {
      const stream = new ReadableStream<Uint8Array>();
      stream.getReader(); // locks the stream
      assert.throws(() => fromStream(EventSource, stream), TypeError);
    });

    // --- open event ---
    asyncTest('fires open event', (t) => {
      const source = fromStream(EventSource, streamFromString('data: hello\n\n'));
      source.onopen = t.stepFunc((e: Event) => {
        assert.equal(e.type, 'open');
        assert.equal(source.readyState, EventSource.OPEN);
        source.close();
        t.done();
      });
    });

    // --- Receiving messages ---
    const firstMessage = (name: string, stream: () => ReadableStream<Uint8Array>, data: string) =>
      asyncTest(name, (t) => {
        const source = fromStream(EventSource, stream());
        source.onmessage = t.stepFunc((e: MessageEvent) => {
          assert.equal(e.data, data);
          source.close();
          t.done();
        });
      });
    firstMessage('receives a message event', () => streamFromString('data: hello\n\n'), 'hello');
    firstMessage(
      'handles multi-line data fields',
      () => streamFromString('data: hello\ndata: world\n\n'),
      'hello\nworld',
    );

    asyncTest('receives multiple message events', (t) => {
      let count = 0;
      const source = fromStream(EventSource, streamFromString('data: first\n\ndata: second\n\n'));
      source.onmessage = t.stepFunc((e: MessageEvent) => {
        if (count === 0) assert.equal(e.data, 'first');
        else if (count === 1) {
          assert.equal(e.data, 'second');
          source.close();
          t.done();
        }
        count++;
      });
    });

    asyncTest('handles custom event types', (t) => {
      const source = fromStream(EventSource, streamFromString('event: custom\ndata: hello\n\n'));
      source.addEventListener(
        'custom',
        t.stepFunc((e: Event) => {
          assert.equal((e as MessageEvent).data, 'hello');
          source.close();
          t.done();
        }),
      );
    });

    firstMessage('ignores comments', () => streamFromString(': this is a comment\ndata: hello\n\n'), 'hello');

    asyncTest("message event origin is 'null' (opaque origin)", (t) => {
      const source = fromStream(EventSource, streamFromString('data: hello\n\n'));
      source.onmessage = t.stepFunc((e: MessageEvent) => {
        assert.equal(e.origin, 'null');
        source.close();
        t.done();
      });
    });

    // --- Chunk splitting ---
    firstMessage('handles data split across chunks', () => streamFromChunks(['da', 'ta: hel', 'lo\n\n']), 'hello');

    // --- id and retry fields ---
    asyncTest('id field updates lastEventId', (t) => {
      const source = fromStream(EventSource, streamFromString('id: 42\ndata: hello\n\n'));
      source.onmessage = t.stepFunc((e: MessageEvent) => {
        assert.equal(e.lastEventId, '42');
        assert.equal(source.lastEventId, '42');
        source.close();
        t.done();
      });
    });

    asyncTest('retry field updates reconnectionTime', (t) => {
      const source = fromStream(EventSource, streamFromString('retry: 5000\ndata: hello\n\n'));
      source.onmessage = t.stepFunc(() => {
        assert.equal(source.reconnectionTime, 5000);
        source.close();
        t.done();
      });
    });

    asyncTest('retry field with non-digit value is ignored', (t) => {
      const source = fromStream(EventSource, streamFromString('retry: bogus\ndata: hello\n\n'));
      const initialTime = source.reconnectionTime;
      source.onmessage = t.stepFunc(() => {
        assert.equal(source.reconnectionTime, initialTime);
        source.close();
        t.done();
      });
    });

    // --- close() ---
    test('close() sets readyState to CLOSED', () => {
      const source = fromStream(EventSource, streamFromString('data: hello\n\n'));
      source.close();
      assert.equal(source.readyState, EventSource.CLOSED);
    });

    // --- Stream done ---
    asyncTest('stream done fires error after dispatching complete events', (t) => {
      const source = fromStream(EventSource, streamFromString('data: hello\n\n'));
      let gotMessage = false;
      source.onmessage = t.stepFunc((e: MessageEvent) => {
        assert.equal(e.data, 'hello');
        gotMessage = true;
      });
      source.onerror = t.stepFunc(() => {
        assert.equal(gotMessage, true, 'message should be received before error');
        assert.equal(source.readyState, EventSource.CLOSED);
        t.done();
      });
    });

    asyncTest('empty stream fires error and transitions to CLOSED', (t) => {
      const source = fromStream(EventSource, streamFromString(''));
      source.onerror = t.stepFunc(() => {
        assert.equal(source.readyState, EventSource.CLOSED);
        t.done();
      });
    });

    // --- Stream error ---
    asyncTest('stream error fires error event and transitions to CLOSED', (t) => {
      const source = fromStream(EventSource, streamThatErrors(new Error('stream error')));
      source.onerror = t.stepFunc(() => {
        assert.equal(source.readyState, EventSource.CLOSED);
        t.done();
      });
    });

    // --- No reconnection ---
    asyncTest('no reconnection is attempted after stream done', (t) => {
      const source = fromStream(EventSource, streamFromString('data: hello\n\n'));
      let errorCount = 0;
      source.onerror = t.stepFunc(() => {
        errorCount++;
        assert.equal(source.readyState, EventSource.CLOSED);
        // Wait to verify no reconnection attempt occurs
        t.stepTimeout(() => {
          assert.equal(errorCount, 1, 'should only get one error event');
          assert.equal(source.readyState, EventSource.CLOSED);
          t.done();
        }, 200);
      });
    });

    // --- Newline formats ---
    asyncTest('handles CR, LF, and CRLF line endings', (t) => {
      const source = fromStream(EventSource, streamFromString('data: cr\r\rdata: lf\n\ndata: crlf\r\n\r\n'));
      const messages: string[] = [];
      source.onmessage = t.stepFunc((e: MessageEvent) => {
        messages.push(e.data);
        if (messages.length === 3) {
          assert.deepEqual(messages, ['cr', 'lf', 'crlf']);
          source.close();
          t.done();
        }
      });
    });

    // --- BOM handling ---
    firstMessage(
      'strips leading UTF-8 BOM',
      () =>
        new ReadableStream({
          start(controller) {
            controller.enqueue(Uint8Array.of(0xef, 0xbb, 0xbf, ...new TextEncoder().encode('data: hello\n\n')));
            controller.close();
          },
        }),
      'hello',
    );

    // --- TransformStream reconnection pattern ---
    asyncTest('TransformStream pattern allows multiple streams to be piped through', (t) => {
      const ts = new TransformStream<Uint8Array, Uint8Array>();
      const source = fromStream(EventSource, ts.readable);
      const messages: string[] = [];
      source.onmessage = t.stepFunc((e: MessageEvent) => {
        messages.push(e.data);
        if (messages.length === 2) {
          assert.deepEqual(messages, ['first', 'second']);
          // Close the writable side to end the test. (It rejects: the second pipe holds the writable's lock,
          // and that pipe closes it itself, preventClose being false.)
          ts.writable.close().catch(() => {});
        }
      });
      source.onerror = t.stepFunc(() => {
        assert.equal(messages.length, 2);
        t.done();
      });
      // Simulate two "connections" piped through the TransformStream
      void streamFromString('data: first\n\n')
        .pipeTo(ts.writable, { preventClose: true })
        .then(() => streamFromString('data: second\n\n').pipeTo(ts.writable, { preventClose: false }));
    });

    const persistsAcrossStreams = (name: string, first: string, check: (source: StreamEventSource) => void) =>
      asyncTest(name, (t) => {
        const ts = new TransformStream<Uint8Array, Uint8Array>();
        const source = fromStream(EventSource, ts.readable);
        source.onmessage = t.stepFunc((e: MessageEvent) => {
          if (e.data === 'after-reconnect') {
            check(source);
            source.close();
            t.done();
          }
        });
        void streamFromString(first)
          .pipeTo(ts.writable, { preventClose: true })
          .then(() => {
            t.step(() => check(source));
            return streamFromString('data: after-reconnect\n\n').pipeTo(ts.writable, { preventClose: true });
          });
      });
    // lastEventId should persist across "reconnections"
    persistsAcrossStreams(
      'lastEventId persists across reconnections via TransformStream',
      'id: 42\ndata: first\n\n',
      (source) => assert.equal(source.lastEventId, '42'),
    );
    persistsAcrossStreams(
      'reconnectionTime persists across reconnections via TransformStream',
      'retry: 3000\ndata: first\n\n',
      (source) => assert.equal(source.reconnectionTime, 3000),
    );
  },
  NOT_IMPLEMENTED,
);

wptFile(
  'eventsource-from-readable-stream-fetch.window.js',
  (wpt) => {
    const fetchBody = async (resource: string) => {
      const response = await wpt.page.fetch(new URL(resource, wpt.page.url));
      assert.ok(response.body);
      return response.body;
    };

    wpt.asyncTest('works with a fetch() response body', (t) => {
      void fetchBody('resources/message.py').then(
        t.stepFunc((body: ReadableStream<Uint8Array>) => {
          const source = fromStream(wpt.EventSource, body);
          source.onmessage = t.stepFunc((e: MessageEvent) => {
            assert.equal(e.data, 'data');
            source.close();
            t.done();
          });
        }),
      );
    });

    wpt.asyncTest('lastEventId and reconnectionTime work with fetch() response', (t) => {
      void fetchBody('resources/message.py?message=id%3A%2042%0Aretry%3A%205000%0Adata%3A%20hello').then(
        t.stepFunc((body: ReadableStream<Uint8Array>) => {
          const source = fromStream(wpt.EventSource, body);
          source.onmessage = t.stepFunc((e: MessageEvent) => {
            assert.equal(e.data, 'hello');
            assert.equal(source.lastEventId, '42');
            assert.equal(source.reconnectionTime, 5000);
            source.close();
            t.done();
          });
        }),
      );
    });
  },
  NOT_IMPLEMENTED,
);
