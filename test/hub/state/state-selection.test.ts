/**
 * [NON-SPEC] Which updates make a state: the selection, fed history newest first, against a reference
 * model written from the documented rules.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { StateMode, StateRequest } from '../../../src/hub/fanout/state-request.js';
import { StateSelection } from '../../../src/hub/fanout/state-selection.js';
import { compileSelector, TEMPLATE_BOUNDS } from '../../../src/hub/topics/index.js';
import type { StoredUpdate } from '../../../src/hub/update.js';

const SELECTORS = ['/a', '/b', '/t/{x}', '*'];
const TOPICS = ['/a', '/b', '/t/1', '/t/2', '/c'];

const matches = (selector: string, topic: string) =>
  selector === '*' || selector === topic || (selector === '/t/{x}' && topic.startsWith('/t/'));

/** The rules of docs/state-on-subscribe: each group chooses on its own; the state is their union, capped. */
function reference(history: StoredUpdate[], selectors: string[], request: StateRequest, cap: number): number[] {
  const groups: [string[], StateMode][] = [];
  for (const selector of selectors) {
    const mode = request.bySelector.get(selector);
    if (mode !== undefined) groups.push([[selector], mode]);
  }
  const others = selectors.filter((selector) => !request.bySelector.has(selector));
  if (request.others !== undefined && others.length > 0) groups.push([others, request.others]);
  const chosen = new Set<number>();
  for (const [members, mode] of groups) {
    const newestFirst = [...history].reverse();
    const matching = (topic: string) => members.some((selector) => matches(selector, topic));
    if (mode.kind === 'last') {
      for (const update of newestFirst.filter((u) => u.topics.some(matching)).slice(0, mode.count))
        chosen.add(update.position);
    } else {
      for (const update of newestFirst) {
        const newer = newestFirst.filter((u) => u.position > update.position);
        const newest = update.topics.some((t) => matching(t) && !newer.some((u) => u.topics.includes(t)));
        if (newest) chosen.add(update.position);
      }
    }
  }
  return [...chosen]
    .sort((x, y) => y - x)
    .slice(0, cap)
    .reverse();
}

const modeArb: fc.Arbitrary<StateMode> = fc.oneof(
  fc.constant({ kind: 'latest' } as const),
  fc.integer({ min: 1, max: 4 }).map((count) => ({ kind: 'last', count }) as const),
);

test('[NON-SPEC] the chosen updates are what the rules say, oldest first, within the cap', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uniqueArray(fc.constantFrom(...TOPICS), { minLength: 1, maxLength: 3 }), { maxLength: 25 }),
      fc.uniqueArray(fc.constantFrom(...SELECTORS), { minLength: 1, maxLength: 4 }),
      fc.option(modeArb, { nil: undefined }),
      fc.array(modeArb, { maxLength: 4 }),
      fc.integer({ min: 1, max: 30 }),
      (topicLists, selectors, others, named, cap) => {
        const history = topicLists.map(
          (topics, i): StoredUpdate => ({
            id: `u${i}`,
            topics,
            data: '',
            private: false,
            publishedAt: 0,
            position: i + 1,
          }),
        );
        const bySelector = new Map(named.slice(0, selectors.length).map((mode, i) => [selectors[i]!, mode]));
        const request: StateRequest = { kind: 'state', bySelector, others };
        const selection = new StateSelection(
          request,
          selectors.map((s) => compileSelector(s, TEMPLATE_BOUNDS)),
          cap,
        );
        for (const update of [...history].reverse()) {
          if (selection.done) break;
          selection.offer(update);
        }
        assert.deepEqual(
          selection.updates().map((u) => u.position),
          reference(history, selectors, request, cap),
        );
      },
    ),
    { numRuns: 500 },
  );
});

test('[NON-SPEC] latest on exact topics is done once each has its newest update: older history is not read', () => {
  const selection = new StateSelection(
    { kind: 'state', bySelector: new Map(), others: { kind: 'latest' } },
    ['/a', '/b', '/a'].map((s) => compileSelector(s, TEMPLATE_BOUNDS)),
    100,
  );
  const update = (position: number, topic: string): StoredUpdate => ({
    id: String(position),
    topics: [topic],
    data: '',
    private: false,
    publishedAt: 0,
    position,
  });
  selection.offer(update(9, '/a'));
  assert.equal(selection.done, false);
  selection.offer(update(8, '/a'));
  selection.offer(update(7, '/b'));
  assert.equal(selection.done, true);
  assert.deepEqual(
    selection.updates().map((u) => u.position),
    [7, 9],
  );
});

test('[NON-SPEC] latest over a template is never done early: a template may match one more topic', () => {
  const selection = new StateSelection(
    { kind: 'state', bySelector: new Map(), others: { kind: 'latest' } },
    [compileSelector('/t/{x}', TEMPLATE_BOUNDS)],
    100,
  );
  for (let position = 50; position > 0; position--)
    selection.offer({ id: '', topics: ['/t/1'], data: '', private: false, publishedAt: 0, position });
  assert.equal(selection.done, false);
  assert.equal(selection.updates().length, 1);
});
