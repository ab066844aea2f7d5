/**
 * The cost of hostile URL patterns, counted in automaton instructions (deterministic), not timed. Measured by
 * `npm run bench:url-patterns` (2 shared cores, Node 20), one failing match, ours against
 * urlpattern-polyfill's backtracking test():
 *
 *     shape                        topic      ours      polyfill
 *     /*a*b (two * runs)           10,000     445 µs    130 ms
 *     /*a*a*a*b (four)             1,000      72 µs     53 s (timed once by hand)
 *     /:a-:b-:c! (one segment)     1,000      48 µs     107 ms
 *     16 * runs                    100,000    816 µs    —
 *     /:x((?:a+)+b)                100,000    864 µs    — (exponential)
 *     /:x((?:\d{1,32})+x)          100,000    890 µs    —
 *     longest pattern, 1024 chars  100,000    805 µs    —
 *     /books/:id                   100,000    1.0 ms    113 µs (ours gives up: no match)
 *
 * Ours stops at URL_PATTERN_STEP_BUDGET (250,000 instructions, about 1 ms) and answers "no match".
 *
 * Compiling (once per subscribe, best of 20, the library's parse is most of it): `/books/:id` 0.1 ms; 1,024
 * characters of `{a}?` 1.2 ms, of `*a` 1.3 ms, of `é` 1.0 ms, 200 `:p` 0.6 ms, 500 nested `(` 0.3 ms. A
 * request compiles each distinct pattern once, at most maxTemplatesPerConnection (64) of them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileUrlPattern, TEMPLATE_BOUNDS, URL_PATTERN_STEP_BUDGET } from '../../../src/hub/topics/index.js';
import { parseComponent } from '../../../src/hub/topics/url-pattern-parse.js';
import { buildComponentProgram, runProgram } from '../../../src/hub/topics/url-pattern-program.js';

const HUB = 'https://hub.example/.well-known/mercure';
const PATH = { delimiter: '/', prefix: '/' };

function program(pathname: string) {
  const parts = parseComponent(pathname, PATH);
  assert.ok(parts !== undefined);
  const built = buildComponentProgram(parts, PATH);
  assert.ok(built !== undefined);
  return built;
}

describe('URL pattern matching cost is linear and budgeted', () => {
  const hostile = ['/*a*b', '/*a*a*a*b', `/${'*a'.repeat(15)}*b`, '/:a-:b-:c!', '/x{/:a}*{/:b}*{/:c}*/z'];

  test('each hostile shape costs at most 3 × topic length × program size instructions', () => {
    // spec(Mercure 1.0 §URL Pattern): "hubs MUST either use a regular expression engine that guarantees
    // linear-time matching (such as RE2) or enforce an implementation-defined evaluation cost or time limit"
    for (const shape of hostile) {
      const built = program(shape);
      for (const length of [10, 100, 1000]) {
        const budget = { steps: Number.MAX_SAFE_INTEGER };
        assert.equal(runProgram(built, `/${'a'.repeat(length)}`, budget), false, shape);
        const used = Number.MAX_SAFE_INTEGER - budget.steps;
        assert.ok(used <= 3 * (length + 1) * built.op.length, `${shape}: ${used} steps for ${length} characters`);
      }
    }
  });

  test('past the step budget a match is abandoned and does not match', () => {
    // spec(Mercure 1.0 §URL Pattern): "When such a limit is reached, the pattern MUST be treated as not
    // matching and the evaluation MUST be aborted."
    const built = program('/*');
    const budget = { steps: 200 };
    assert.equal(runProgram(built, `/${'a'.repeat(100)}`, budget), false);
    assert.ok(budget.steps < 0);
    assert.equal(runProgram(built, `/${'a'.repeat(10)}`, { steps: 200 }), true);
  });

  test('a long topic within the budget still matches; a huge one is refused by the budget', () => {
    const compiled = compileUrlPattern('/books/:id', HUB, TEMPLATE_BOUNDS);
    assert.ok(compiled.ok);
    assert.ok(compiled.pattern.matches(`/books/${'1'.repeat(10_000)}`));
    assert.ok(!compiled.pattern.matches(`/books/${'1'.repeat(URL_PATTERN_STEP_BUDGET * 2)}`));
  });

  test('regexp groups run on the automaton; assertions, lookarounds and huge expansions are refused', () => {
    // spec(Mercure 1.0 §URL Pattern): "crafted patterns can therefore trigger catastrophic backtracking" —
    // `(a+)+b` is the classic: linear here. A finite automaton has no assertions, so those are refused.
    const classic = compileUrlPattern('/r/:x((?:a+)+b)', HUB, TEMPLATE_BOUNDS);
    assert.ok(classic.ok);
    assert.ok(!classic.pattern.matches(`/r/${'a'.repeat(5000)}`));
    assert.ok(classic.pattern.matches('/r/aaab'));
    for (const source of [
      '/r/:x(^a)',
      '/r/:x(a$)',
      '/r/:x(\\ba)',
      '/r/:x((?=a)a)',
      '/r/:x((?!a)b)',
      '/r/:x((?:(?:a{32}){32}){32})',
    ]) {
      const compiled = compileUrlPattern(source, HUB, TEMPLATE_BOUNDS);
      assert.ok(!compiled.ok, source);
      assert.equal(compiled.reason, 'regexp-group', source);
    }
  });

  test('a pattern with far more * and : than the part bound is refused before the library parses it', () => {
    // spec(Mercure 1.0 §Subscription): "Requests exceeding any such limit MUST be rejected with a 400"
    const compiled = compileUrlPattern(`/${'*'.repeat(1000)}`, HUB, TEMPLATE_BOUNDS);
    assert.ok(!compiled.ok);
    assert.equal(compiled.reason, 'too-many-parts');
    assert.ok(compileUrlPattern(`/${'\\*'.repeat(100)}`, HUB, TEMPLATE_BOUNDS).ok, 'escaped * are text');
  });

  test('more than maxTemplateExpressions parameters and wildcards is refused', () => {
    // spec(Mercure 1.0 §URL Pattern): "enforce an implementation-defined evaluation cost or time limit" — the
    // parts bound keeps the automaton, hence each step, small.
    const compiled = compileUrlPattern(`/${'*a'.repeat(20)}`, HUB, TEMPLATE_BOUNDS);
    assert.ok(!compiled.ok);
    assert.equal(compiled.reason, 'too-many-parts');
  });
});
