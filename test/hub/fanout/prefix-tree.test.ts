/**
 * The radix tree behind the subscriber index, against a plain list: after any sequence of sets and
 * deletes it holds the same values, and a walk along a text finds exactly those filed under its prefixes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { PrefixTree } from '../../../src/hub/fanout/prefix-tree.js';

const prefixArb = fc.array(fc.constantFrom('a', 'b', '/', 'é'), { maxLength: 5 }).map((chars) => chars.join(''));
const operationArb = fc.record({
  set: fc.boolean(),
  prefix: prefixArb,
  key: fc.constantFrom('k1', 'k2', 'k3'),
});

test('a walk finds exactly the values filed under a prefix of the text, after any sets and deletes', () => {
  fc.assert(
    fc.property(fc.array(operationArb, { maxLength: 60 }), fc.array(prefixArb, { maxLength: 6 }), (ops, texts) => {
      const tree = new PrefixTree<string>();
      const model = new Map<string, { prefix: string; key: string; value: string }>();
      ops.forEach(({ set, prefix, key }, i) => {
        const id = `${prefix}\u0000${key}`;
        if (set) {
          tree.set(prefix, key, `v${i}`);
          model.set(id, { prefix, key, value: `v${i}` });
        } else assert.equal(tree.delete(prefix, key), model.delete(id));
      });
      assert.equal(tree.size, model.size);
      for (const { prefix, key, value } of model.values()) assert.equal(tree.get(prefix, key), value);
      for (const text of [...texts, ...[...model.values()].map((e) => e.prefix)]) {
        const found: string[] = [];
        tree.forEachPrefixOf(text, (value) => found.push(value));
        const expected = [...model.values()].filter((e) => text.startsWith(e.prefix)).map((e) => e.value);
        assert.deepEqual(found.sort(), expected.sort(), text);
      }
    }),
    { numRuns: 1000 },
  );
});

test('deleting every value empties the tree, and a deleted value is never found again', () => {
  const tree = new PrefixTree<number>();
  const prefixes = ['', '/a', '/ab', '/abc', '/b', '/abd', '/ab'];
  for (const [i, prefix] of prefixes.entries()) tree.set(prefix, `k${i}`, i);
  for (const [i, prefix] of prefixes.entries()) assert.ok(tree.delete(prefix, `k${i}`));
  assert.equal(tree.size, 0);
  let visits = 0;
  tree.forEachPrefixOf('/abcd', () => visits++);
  assert.equal(visits, 0);
  assert.equal(tree.delete('/ab', 'k2'), false);
});
