/**
 * Ports of web-platform-tests/wpt `eventsource/` format tests whose upstream files were NOT in the copy of
 * WPT this port was made from: format-newlines, format-leading-space, format-field-parsing,
 * format-field-unknown, format-field-retry-empty, format-mime-bogus, format-mime-trailing-semicolon
 * (`.htm`, later `.any.js`). Each resource query and expected result agrees with independent ports that
 * quote the upstream test; the shape follows its siblings (format.test.ts); the names (upstream page
 * titles) are recalled, not read — compare with upstream before relying on one. WPT is © web-platform-tests contributors, BSD-3-Clause
 * (https://github.com/web-platform-tests/wpt/blob/master/LICENSE.md). See ./README.md.
 */
import assert from 'node:assert/strict';
import { wptFile } from './harness.js';

/** One upstream test: the message.py query, the one data string the first message event must carry. */
const DATA_CASES = [
  [
    'format-newlines.htm',
    'EventSource: newline fest',
    'message=data%3Atest%0D%0Adata%0Adata%3Atest%0D%0A%0D',
    'test\n\ntest',
  ],
  [
    'format-leading-space.htm',
    'EventSource: leading space',
    'message=data%3A%09test%0Ddata%3A%20%0Adata%3Atest',
    '\ttest\n\ntest',
  ],
  [
    'format-field-parsing.htm',
    'EventSource: field parsing',
    `message=${encodeURI('data:\0\ndata:  2\rData:1\ndata\0:2\ndata:1\r\0data:4\nda-ta:3\rdata_5\ndata:3\rdata:\r\n data:32\ndata:4\n')}&newline=none`,
    '\0\n 2\n1\n3\n\n4',
  ],
  [
    'format-field-unknown.htm',
    'EventSource: unknown fields and parsing fun',
    'message=data%3Atest%0A%20data%0Adata%0Afoobar%3Axxx%0Ajustsometext%0A%3Athisisacommentyay%0Adata%3Atest',
    'test\n\ntest',
  ],
  ['format-field-retry-empty.htm', 'EventSource: empty retry field', 'message=retry%0Adata%3Atest', 'test'],
] as const;

for (const [upstream, name, query, expected] of DATA_CASES) {
  wptFile(upstream, ({ EventSource, asyncTest }) => {
    asyncTest(name, (t) => {
      const source = new EventSource(`resources/message.py?${query}`);
      source.onmessage = (e: MessageEvent) => {
        t.step(() => {
          assert.equal(e.data, expected);
          source.close();
        });
        t.done();
      };
    });
  });
}

wptFile('format-mime-bogus.htm', ({ EventSource, asyncTest }) => {
  // "fails the connection", with a simple event, not a MessageEvent
  asyncTest('EventSource: bogus MIME type', (t) => {
    const source = new EventSource('resources/message.py?mime=x%20bogus');
    source.onmessage = () => {
      t.step(() => {
        source.close();
        assert.fail('unreached');
      });
      t.done();
    };
    source.onerror = (e: Event) => {
      t.step(() => {
        assert.equal(source.readyState, source.CLOSED);
        assert.equal(Object.hasOwn(e, 'data'), false);
        assert.equal(e.bubbles, false);
        assert.equal(e.cancelable, false);
      });
      t.done();
    };
  });
});

wptFile('format-mime-trailing-semicolon.htm', ({ EventSource, asyncTest }) => {
  asyncTest('EventSource: MIME type with trailing ;', (t) => {
    const source = new EventSource('resources/message.py?mime=text/event-stream%3B');
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
    source.onerror = () => {
      t.step(() => assert.fail('unreached'));
      t.done();
    };
  });
});
