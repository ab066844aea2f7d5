/**
 * Mercure 1.0 (draft-dunglas-mercure-08) hub rules that the 1.0 suites in test/hub/mercure1/ do not show,
 * each quoting its sentence, on a real hub over loopback. docs/mercure.md maps every rule to its test.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hubForSuite, publishOk, subscribe } from '../fixtures/hub.js';

describe('Mercure 1.0 conformance: URL patterns', () => {
  const suite = hubForSuite();

  // spec(Mercure 1.0 §URL Pattern): "hubs MUST NOT enable the `ignoreCase` option. Host components remain
  // case-insensitive as defined by URL canonicalization [RFC3986]; all other components are case-sensitive."
  test('a URL pattern is case-sensitive in its path and case-insensitive in its host', async () => {
    const exactCase = await subscribe(suite.running.endpoint, [], {
      query: { matchURLPattern: 'https://EXAMPLE.com/books/:id' },
    });
    const otherCase = await subscribe(suite.running.endpoint, [], {
      query: { matchURLPattern: 'https://example.com/Books/:id' },
    });
    await publishOk(
      suite.running.endpoint,
      { topic: 'https://example.com/books/1', data: 'lower', id: 'case-1' },
      suite.publisher,
    );
    await publishOk(
      suite.running.endpoint,
      { topic: 'https://example.com/Books/2', data: 'upper', id: 'case-2' },
      suite.publisher,
    );
    assert.equal((await exactCase.next()).lastEventId, 'case-1');
    assert.equal(await exactCase.nothingWithin(200), undefined, '/Books/2 is another path');
    assert.equal((await otherCase.next()).lastEventId, 'case-2', '/books/1 is another path');
    exactCase.close();
    otherCase.close();
  });
});
