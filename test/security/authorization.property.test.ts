/**
 * Authorization as a property, against a running hub: for random topics, subscription selectors and
 * token claims, an update reaches a subscriber iff a selector matches one of its topics and — when it is
 * private — a `mercure.subscribe` claim matches one of its topics. A public sentinel published right after
 * tells "not delivered" apart from "not yet delivered" without waiting, since order is guaranteed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createTopicMatcher } from '../../src/hub/topics/selectors.js';
import { hubForSuite, publishOk, subscribe, token } from '../fixtures/hub.js';

const topics = ['/books/1', '/books/2', '/books/1/reviews', '/users/7/inbox', '/users/8/inbox', '/news'];
const selectors = [
  '*',
  '/books/1',
  '/books/{id}',
  '/books/{+rest}',
  '/users/{id}/inbox',
  '/users/7/inbox',
  '/news',
  '/none',
  '/users/{id}',
];

const suite = hubForSuite();

test('a (private) update is delivered iff the selectors and the claims allow it', async () => {
  const matcher = createTopicMatcher();
  let delivered = 0;
  let withheld = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(fc.constantFrom(...selectors), { minLength: 1, maxLength: 3 }),
      fc.option(fc.uniqueArray(fc.constantFrom(...selectors), { maxLength: 3 }), { nil: undefined }),
      fc.uniqueArray(fc.constantFrom(...topics), { minLength: 1, maxLength: 2 }),
      fc.boolean(),
      async (subscribed, claims, updateTopics, isPrivate) => {
        const reader = await subscribe(
          suite.running.endpoint,
          [...subscribed, '/sentinel'],
          claims === undefined ? {} : { token: await token({ subscribe: claims }) },
        );
        const id = `u-${Date.now()}-${Math.random()}`;
        await publishOk(
          suite.running.endpoint,
          { topic: updateTopics, data: 'x', id, private: isPrivate },
          suite.publisher,
        );
        await publishOk(
          suite.running.endpoint,
          { topic: '/sentinel', data: 's', id: `${id}-sentinel` },
          suite.publisher,
        );
        const first = await reader.next();
        reader.close();
        const expected =
          matcher.matchesAny(subscribed, updateTopics) &&
          (!isPrivate || matcher.matchesAny(claims ?? [], updateTopics));
        assert.equal(
          first.lastEventId === id,
          expected,
          JSON.stringify({ subscribed, claims, updateTopics, isPrivate }),
        );
        if (expected) delivered++;
        else withheld++;
      },
    ),
    { numRuns: 150 },
  );
  assert.ok(delivered > 10 && withheld > 10, `both outcomes exercised (${delivered} delivered, ${withheld} withheld)`);
});
