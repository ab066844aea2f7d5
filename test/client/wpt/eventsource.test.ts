/**
 * Port of the web-platform-tests EventSource interface tests (web-platform-tests/wpt `eventsource/`):
 * eventsource-close.window.js, eventsource-constructor-empty-url.js, eventsource-constructor-stringify.js,
 * eventsource-constructor-url-bogus.any.js, eventsource-constructor-non-same-origin.window.js,
 * eventsource-eventtarget.js, eventsource-onmessage.js, eventsource-onopen.js,
 * eventsource-prototype.any.js, eventsource-readyState.html, eventsource-reconnect.js, eventsource-url.js.
 * WPT is © web-platform-tests contributors, BSD-3-Clause
 * (https://github.com/web-platform-tests/wpt/blob/master/LICENSE.md). Test names are the upstream ones;
 * ./README.md maps every upstream file to its port.
 */
import assert from 'node:assert/strict';
import { wptFile } from './harness.js';

const URL_MUST_BE_STRING =
  'eventsource@4 throws SyntaxError for a URL that is not a string or URL; WebIDL stringifies it (USVString)';

wptFile('eventsource-close.window.js', ({ EventSource, asyncTest }) => {
  asyncTest('EventSource: close()', (t) => {
    const source = new EventSource('resources/message.py');
    assert.equal(source.readyState, source.CONNECTING, 'connecting readyState');
    source.onopen = t.stepFunc(() => {
      assert.equal(source.readyState, source.OPEN, 'open readyState');
      source.close();
      assert.equal(source.readyState, source.CLOSED, 'closed readyState');
      t.done();
    });
  });

  asyncTest('EventSource: close(), test events', (t) => {
    let count = 0;
    let reconnected = false;
    const source = new EventSource(`resources/reconnect-fail.py?id=${Date.now()}`);
    source.onerror = t.stepFunc((e: Event) => {
      assert.equal(e.type, 'error');
      switch (count) {
        // reconnecting after first message
        case 1:
          assert.equal(source.readyState, source.CONNECTING, 'reconnecting readyState');
          reconnected = true;
          break;
        // one more reconnect to get to the closing
        case 2:
          assert.equal(source.readyState, source.CONNECTING, 'last reconnecting readyState');
          count++;
          break;
        // close
        case 3:
          assert.equal(source.readyState, source.CLOSED, 'closed readyState');
          // give some time for errors to hit us
          t.stepTimeout(() => t.done(), 100);
          break;
        default:
          assert.fail(`Error handler with msg count ${count}`);
      }
    });
    source.onmessage = t.stepFunc((e: MessageEvent) => {
      switch (count) {
        case 0:
          assert.equal(reconnected, false, 'no error event run');
          assert.equal(e.data, 'opened', 'data');
          break;
        case 1:
          assert.equal(reconnected, true, 'have reconnected');
          assert.equal(e.data, 'reconnected', 'data');
          break;
        default:
          assert.fail(`Dunno what to do with message number ${count}`);
      }
      count++;
    });
  });
});

wptFile('eventsource-constructor-empty-url.js', (wpt) => {
  wpt.test('Passing empty string to the EventSource constructor', () => {
    const es = new wpt.EventSource('');
    assert.equal(
      es.url,
      wpt.page.url,
      "Passing empty string to the EventSource constructor shouldn't throw (url is document.documentURI).",
    );
    es.close();
  });
});

wptFile('eventsource-constructor-stringify.js', ({ EventSource, asyncTest, test }) => {
  asyncTest(
    'EventSource: stringify argument, object',
    (t) => {
      const source = new EventSource({ toString: () => 'resources/message.py' });
      source.onopen = (e: Event) => {
        t.step(() => {
          assert.equal(Object.hasOwn(e, 'data'), false);
          source.close();
          t.done();
        });
      };
    },
    { skip: { eventsource: URL_MUST_BE_STRING } },
  );
  for (const [label, value, tail] of [
    ['1', 1, /\/1$/],
    ['null', null, /\/null$/],
    ['undefined', undefined, /\/undefined$/],
  ] as const) {
    test(
      `EventSource: stringify argument, ${label}`,
      () => {
        const source = new EventSource(value);
        assert.match(source.url, tail);
      },
      { skip: { eventsource: URL_MUST_BE_STRING } },
    );
  }
});

wptFile('eventsource-constructor-url-bogus.any.js', ({ EventSource, test }) => {
  test('EventSource: constructor (invalid URL)', () => {
    assert.throws(
      () => new EventSource('http://this is invalid/'),
      (e: unknown) => e instanceof DOMException && e.name === 'SyntaxError',
    );
  });
});

wptFile('eventsource-constructor-non-same-origin.window.js', ({ EventSource, asyncTest }) => {
  // "This tests 'fails the connection' as well as making sure a simple event is dispatched and not a
  // MessageEvent."
  for (const url of [
    'ftp://example.not/',
    'about:blank',
    'mailto:whatwg@awesome.example',
    "javascript:alert('FAIL')",
  ]) {
    asyncTest(
      `EventSource: constructor (act as if there is a network error) (${url})`,
      (t) => {
        const source = new EventSource(url);
        source.onerror = (e: Event) => {
          t.step(() => {
            assert.equal(source.readyState, source.CLOSED);
            assert.equal(Object.hasOwn(e, 'data'), false);
          });
          t.done();
        };
      },
      {
        skip: {
          eventsource:
            'eventsource@4 reconnects (readyState CONNECTING) after any fetch that rejects, even one of a ' +
            'scheme fetch can never load, where HTML §9.2.3 lets a user agent fail the connection',
        },
      },
    );
  }
});

wptFile('eventsource-eventtarget.js', ({ EventSource, asyncTest }) => {
  asyncTest('EventSource: addEventListener()', (t) => {
    const source = new EventSource('resources/message.py');
    source.addEventListener(
      'message',
      (e: Event) => {
        t.step(() => {
          assert.equal((e as MessageEvent).data, 'data');
          source.close();
        });
        t.done();
      },
      false,
    );
  });
});

wptFile('eventsource-onmessage.js', ({ EventSource, asyncTest }) => {
  asyncTest('EventSource: onmessage', (t) => {
    const source = new EventSource('resources/message.py');
    source.onmessage = (e: MessageEvent) => {
      t.step(() => {
        assert.equal(e.data, 'data');
        source.close();
      });
      t.done();
    };
  });
});

wptFile('eventsource-onopen.js', ({ EventSource, asyncTest }) => {
  asyncTest('EventSource: onopen (announcing the connection)', (t) => {
    const source = new EventSource('resources/message.py');
    source.onopen = (e: Event) => {
      t.step(() => {
        assert.equal(source.readyState, source.OPEN);
        assert.equal(Object.hasOwn(e, 'data'), false);
        assert.equal(e.bubbles, false);
        assert.equal(e.cancelable, false);
        source.close();
      });
      t.done();
    };
  });
});

wptFile('eventsource-prototype.any.js', ({ EventSource, Original, test }) => {
  // Upstream also asserts `EventSource` is an own property of `window`: a module's export is not a
  // global, so that line is left out.
  test('EventSource: prototype et al', () => {
    const prototype = Original.prototype as unknown as { ReturnTrue?: () => boolean };
    prototype.ReturnTrue = () => true;
    try {
      const source = new EventSource('resources/message.py') as unknown as { ReturnTrue(): boolean; close(): void };
      assert.equal(source.ReturnTrue(), true);
      source.close();
    } finally {
      delete prototype.ReturnTrue;
    }
  });
});

wptFile('eventsource-readyState.html', ({ EventSource, asyncTest, test }) => {
  test('Check if EventSource.readyState is CONNECTING when connection has not yet been established', () => {
    const source = new EventSource('resources/message.py');
    assert.equal(source.readyState, source.CONNECTING, 'the readyState must be set to CONNECTING');
  });

  asyncTest('Check if ServerSentEvent.readyState is OPEN when the open event was dispatched', (t) => {
    const source = new EventSource('resources/message.py');
    source.onopen = t.stepFunc(() => {
      assert.equal(source.readyState, source.OPEN, 'the readyState must be set to OPEN');
      t.done();
    });
  });

  test('Check if EventSource.readyState is CLOSED when the close method was invoked', () => {
    const source = new EventSource('resources/message.py');
    source.close();
    assert.equal(source.readyState, source.CLOSED, 'the readyState must be set to CLOSED');
  });
});

wptFile('eventsource-reconnect.js', ({ EventSource, asyncTest }) => {
  asyncTest('EventSource: reconnection 200', (t) => {
    const source = new EventSource('resources/status-reconnect.py?status=200');
    source.onmessage = t.stepFunc((e: MessageEvent) => {
      assert.equal(e.data, 'data');
      source.close();
      t.done();
    });
  });

  asyncTest('EventSource: reconnection, test reconnection events', (t) => {
    let opened = false;
    let reconnected = false;
    const source = new EventSource('resources/status-reconnect.py?status=200&ok_first&id=2');
    source.onerror = t.stepFunc((e: Event) => {
      assert.equal(e.type, 'error');
      assert.equal(source.readyState, source.CONNECTING, 'readyState');
      assert.equal(opened, true, 'connection is opened earlier');
      reconnected = true;
    });
    source.onmessage = t.stepFunc((e: MessageEvent) => {
      if (!opened) {
        opened = true;
        assert.equal(reconnected, false, 'have reconnected before first message');
        assert.equal(e.data, 'ok');
      } else {
        assert.equal(reconnected, true, 'Got reconnection event');
        assert.equal(e.data, 'data');
        source.close();
        t.done();
      }
    });
  });
});

wptFile('eventsource-url.js', ({ EventSource, test }) => {
  test('EventSource: url', () => {
    const url = 'resources/message.py';
    const source = new EventSource(url);
    assert.equal(source.url.slice(-url.length), url);
    source.close();
  });
});
