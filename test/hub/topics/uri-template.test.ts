/**
 * The URI-template matcher against two references: the regular expression Mercure builds
 * (github.com/yosida95/uritemplate `Template.Regexp()`, rebuilt here the slow way and run by JavaScript's
 * backtracking engine on short topics), and RFC 6570 expansion (whatever values a template is expanded
 * with, the result matches it). Then the shapes that stalled the old matcher, under a generous wall bound.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compileUriTemplate } from '../../../src/hub/topics/uri-template.js';
import { type Expression, parseUriTemplate, type TemplatePart } from '../../../src/hub/topics/uri-template-parse.js';

const UNRESERVED = String.raw`\-.0-9A-Z_a-z~`;
const RESERVED = String.raw`:/?#\[\]@!$&'()*+,;=`;

/** yosida95's `expression.regexp`, as Mercure runs it. */
function referenceRegExp(parts: readonly TemplatePart[]): RegExp {
  const quote = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  const chars = (e: Expression, withEquals: boolean) => {
    const set = e.operator.reserved ? UNRESERVED + RESERVED : `,${withEquals ? '=' : ''}${UNRESERVED}`;
    return `(?:(?:[${set}]|%[0-9A-Fa-f]{2})*)`;
  };
  let source = '^';
  for (const part of parts) {
    if (typeof part === 'string') {
      source += `(${quote(part)})`;
      continue;
    }
    const { first, separator, named } = part.operator;
    const exploded = part.vars.some((v) => v.explode);
    if (first !== '') source += `(?:${quote(first)}`;
    source += `(${chars(part, named || part.vars[0]!.explode)}`;
    if (part.vars.length > 1 || exploded) {
      source += `(?:${quote(separator)}${chars(part, named || exploded)})`;
      source += exploded ? '*' : `{0,${part.vars.length - 1}}`;
    }
    source += ')';
    if (first !== '') source += ')';
    source += '?';
  }
  return new RegExp(`${source}$`);
}

type Value = string | string[] | [string, string][] | undefined;

/** RFC 6570 §3.2 expansion, level 4, the reference's way: strings, lists and associative arrays. */
function expand(parts: readonly TemplatePart[], values: ReadonlyMap<string, Value>): string {
  return parts.map((part) => (typeof part === 'string' ? part : expandExpression(part, values))).join('');
}

function encode(text: string, reserved: boolean): string {
  let out = '';
  for (let i = 0; i < text.length; ) {
    const triplet = /^%[0-9A-Fa-f]{2}/.exec(text.slice(i));
    if (reserved && triplet !== null) {
      out += triplet[0];
      i += 3;
      continue;
    }
    const char = String.fromCodePoint(text.codePointAt(i)!);
    const kept = new RegExp(`^[${UNRESERVED}${reserved ? RESERVED : ''}]$`).test(char);
    out += kept ? char : [...new TextEncoder().encode(char)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    i += char.length;
  }
  return out;
}

function expandExpression(e: Expression, values: ReadonlyMap<string, Value>): string {
  const { first, separator, named, reserved } = e.operator;
  const ifEmpty = first === ';' ? '' : '=';
  const items: string[] = [];
  for (const spec of e.vars) {
    const value = values.get(spec.name);
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    const pair = (name: string, v: string) => (v === '' ? `${name}${ifEmpty}` : `${name}=${v}`);
    if (typeof value === 'string') {
      const cut = spec.maxLength > 0 ? [...value].slice(0, spec.maxLength).join('') : value;
      items.push(named ? pair(spec.name, encode(cut, reserved)) : encode(cut, reserved));
    } else if (typeof value[0] === 'string') {
      const list = (value as string[]).map((v) => encode(v, reserved));
      if (!spec.explode) items.push(named ? `${spec.name}=${list.join(',')}` : list.join(','));
      else items.push(list.map((v) => (named ? pair(spec.name, v) : v)).join(separator));
    } else {
      const pairs = (value as [string, string][]).map(([k, v]) => [encode(k, reserved), encode(v, reserved)] as const);
      if (!spec.explode) items.push(`${named ? `${spec.name}=` : ''}${pairs.flat().join(',')}`);
      else items.push(pairs.map(([k, v]) => (named ? pair(k, v) : `${k}=${v}`)).join(separator));
    }
  }
  return items.length === 0 ? '' : first + items.join(separator);
}

/**
 * Mercure's one departure from RFC 6570 expansion: in an expression without `=` in its allowed set (simple,
 * `.`, `/`), `=` is allowed only after the first separator unless the first variable is exploded, so an
 * exploded pair list that comes first because the variables before it are undefined does not match.
 */
function mercureQuirk(parts: readonly TemplatePart[], values: ReadonlyMap<string, Value>): boolean {
  return parts.some((part) => {
    if (typeof part === 'string' || part.operator.named || part.operator.reserved || part.vars[0]!.explode)
      return false;
    const defined = part.vars.find((spec) => {
      const value = values.get(spec.name);
      return value !== undefined && !(Array.isArray(value) && value.length === 0);
    });
    const value = defined === undefined ? undefined : values.get(defined.name);
    return defined?.explode === true && Array.isArray(value) && Array.isArray(value[0]);
  });
}

const NAMES = ['a', 'b', 'c'];
const operatorArb = fc.constantFrom('', '+', '#', '.', '/', ';', '?', '&');
const varSpecArb = fc.record({
  name: fc.constantFrom(...NAMES),
  modifier: fc.oneof(
    fc.constant(''),
    fc.constant('*'),
    fc.integer({ min: 1, max: 5 }).map((n) => `:${n}`),
  ),
});
const expressionArb = fc
  .tuple(operatorArb, fc.array(varSpecArb, { minLength: 1, maxLength: 3 }))
  .map(([op, specs]) => `{${op}${specs.map((s) => s.name + s.modifier).join(',')}}`);
const literalArb = fc
  .array(fc.constantFrom('x', 'y', '/', '.', ',', '=', '&', '?', ';', '#', '-', ':', '%41', 'é'), {
    minLength: 1,
    maxLength: 3,
  })
  .map((chars) => chars.join(''));
const templateArb = fc
  .array(fc.oneof(expressionArb, literalArb), { minLength: 1, maxLength: 4 })
  .map((parts) => parts.join(''))
  .filter((t) => t.includes('{'));
const topicCharArb = fc.constantFrom(
  'x',
  'y',
  'A',
  '1',
  '/',
  '.',
  ',',
  '=',
  '&',
  '?',
  ';',
  '#',
  '%',
  '4',
  'é',
  '~',
  ':',
);
const valueCharArb = fc.constantFrom('x', 'Y', '1', '/', ' ', 'é', ',', '=', '%', '&', '?', '.', '%41');
const stringValueArb = fc.array(valueCharArb, { maxLength: 4 }).map((chars) => chars.join(''));
const valueArb: fc.Arbitrary<Value> = fc.oneof(
  fc.constant(undefined),
  stringValueArb,
  fc.array(stringValueArb, { maxLength: 3 }),
  fc.array(
    fc.tuple(
      stringValueArb.filter((k) => k !== ''),
      stringValueArb,
    ),
    { maxLength: 2 },
  ),
);

describe('URI template matching', () => {
  test('every RFC 6570 example expansion matches its template', () => {
    const examples: [string, string][] = [
      ['{var}', 'value'],
      ['{hello}', 'Hello%20World%21'],
      ['O{empty}X', 'OX'],
      ['{x,y}', '1024,768'],
      ['?{x,empty}', '?1024,'],
      ['{var:3}', 'val'],
      ['{list*}', 'red,green,blue'],
      ['{keys*}', 'semi=%3B,dot=.,comma=%2C'],
      ['{+path}/here', '/foo/bar/here'],
      ['here?ref={+path}', 'here?ref=/foo/bar'],
      ['{+base}index', 'http://example.com/home/index'],
      ['{#path:6}/here', '#/foo/b/here'],
      ['{#keys*}', '#semi=;,dot=.,comma=,'],
      ['www{.dom*}', 'www.example.com'],
      ['X{.empty}', 'X.'],
      ['{/who,dub}', '/fred/me%2Ftoo'],
      ['{/list*,path:4}', '/red/green/blue/%2Ffoo'],
      ['{/var,empty}', '/value/'],
      ['{;v,empty,who}', ';v=6;empty;who=fred'],
      ['{;list*}', ';list=red;list=green;list=blue'],
      ['{?x,y,empty}', '?x=1024&y=768&empty='],
      ['{?keys*}', '?semi=%3B&dot=.&comma=%2C'],
      ['?fixed=yes{&x}', '?fixed=yes&x=1024'],
      ['{&list*}', '&list=red&list=green&list=blue'],
    ];
    for (const [template, expansion] of examples) {
      assert.ok(compileUriTemplate(template)?.matches(expansion), `${template} ~ ${expansion}`);
    }
  });

  test('as in Mercure, a variable never takes a character its operator would have encoded', () => {
    const no = (template: string, topic: string) =>
      assert.ok(!compileUriTemplate(template)!.matches(topic), `${template} !~ ${topic}`);
    no('/books/{id}', '/books/1/2');
    no('/books/{id}', '/books/a b');
    no('/books/{id}', '/books/é');
    no('/books/{id}', '/books/%zz');
    no('{/a,b}', '/x/y/z');
    no('{.a}', '.x/y');
    no('{?a}', '&a=1');
    no('{;a}', 'a=1');
    no('{#a}', 'x');
    assert.ok(compileUriTemplate('/x{/a}')!.matches('/x/'), 'an empty value still has its slash');
  });

  test('a string that is not a URI template compiles to nothing, never throws', () => {
    const invalid = ['/books/{id', '{}', '{+}', '{a:0}', '{a:10000}', '{=a}', '{a.}', '{.a..b}', 'a}b{c}', "'{a}"];
    invalid.push('{a*:3}', '{a:3*}', '/x{ab%2}', '{a,}', '{a b}', '/\ud800{a}', '% {a}', '{|a}');
    for (const template of invalid) assert.equal(compileUriTemplate(template), undefined, template);
    for (const template of ['{a:9999}', '{a.b}', '{%41b}', '/é/{x}', '/𝄞{x}', '{_1}']) {
      assert.ok(compileUriTemplate(template) !== undefined, template);
    }
  });

  test('matches exactly what the Mercure regular expression matches', () => {
    fc.assert(
      fc.property(templateArb, fc.array(fc.array(topicCharArb, { maxLength: 10 }), { maxLength: 8 }), (t, topics) => {
        const compiled = compileUriTemplate(t);
        const parts = parseUriTemplate(t);
        assert.equal(compiled === undefined, parts === undefined, t);
        if (parts === undefined) return;
        const reference = referenceRegExp(parts);
        for (const topic of topics.map((chars) => chars.join(''))) {
          assert.equal(compiled!.matches(topic), reference.test(topic), `${t} ~ ${topic}`);
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('every expansion of a template matches it, whatever the values (but for one Mercure quirk)', () => {
    fc.assert(
      fc.property(templateArb, fc.tuple(valueArb, valueArb, valueArb), (t, [a, b, c]) => {
        const parts = parseUriTemplate(t);
        if (parts === undefined) return;
        const values = new Map([
          ['a', a],
          ['b', b],
          ['c', c],
        ]);
        const expansion = expand(parts, values);
        const matched = compileUriTemplate(t)!.matches(expansion);
        if (mercureQuirk(parts, values)) assert.equal(matched, referenceRegExp(parts).test(expansion));
        else assert.ok(matched, `${t} ~ ${expansion}`);
      }),
      { numRuns: 3000 },
    );
  });

  test('as in Mercure, an exploded pair list behind an undefined first variable does not match', () => {
    // Mercure allows `=` in a simple expression only from its second item on, unless the first variable is
    // exploded: RFC 6570 expands {b,a*} with b undefined and a = {x: 1} to `x=1`; Mercure does not match it.
    const template = compileUriTemplate('/t/{b,a*}')!;
    assert.equal(template.matches('/t/x=1'), false);
    assert.equal(template.matches('/t/y,x=1'), true);
    assert.equal(compileUriTemplate('/t/{a*,b}')!.matches('/t/x=1'), true);
  });

  test('answers stay right when a template walks more states than its cache holds', () => {
    // A long literal between two expressions makes one DFA state per character: past the budget the match
    // finishes by plain simulation and the cache starts over, answering the same.
    const template = `{+a}${'xy'.repeat(600)}{+b}`;
    const compiled = compileUriTemplate(template)!;
    const reference = referenceRegExp(parseUriTemplate(template)!);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1300 }), fc.constantFrom('', 'x', 'y', 'z'), (cut, tail) => {
        const topic = `/${'xy'.repeat(600).slice(0, cut)}${tail}`;
        assert.equal(compiled.matches(topic), reference.test(topic));
        assert.equal(compiled.matches(`${topic}xy${'xy'.repeat(600)}`), true);
      }),
      { numRuns: 100 },
    );
  });
});

describe('hostile templates cost linear time (a guard: each call well under a second)', () => {
  const BOUND_MS = 1000;
  const names = 'abcdefghijklmnop';
  const timed = (label: string, run: () => void) => {
    const started = performance.now();
    run();
    const took = performance.now() - started;
    assert.ok(took < BOUND_MS, `${label} took ${took.toFixed(0)} ms`);
  };
  const hostile = [
    Array.from({ length: 16 }, (_, i) => `{&${names[i]}*}`).join(''),
    `/p0${Array.from({ length: 7 }, (_, i) => `{&${names[i]}*}`).join('')}`,
    Array.from({ length: 16 }, (_, i) => `{+${names[i]}}`).join(''),
    Array.from({ length: 16 }, (_, i) => `{/${names[i]}*}`).join(''),
    `{+a}${'x'.repeat(1000)}{+b}`,
    `{+a}${Array.from({ length: 15 }, (_, i) => `x{+${names[i]}}`).join('')}`,
    `{${names.split('').join(',')}}`,
  ];
  const topics = [
    '&a=1'.repeat(1000),
    `/p0${'&a=1'.repeat(1000)}`,
    'x'.repeat(4096),
    `https://example.com/${'a/'.repeat(2000)}`,
    '/x'.repeat(2000),
    `&${'=&'.repeat(2000)}`,
  ];

  test('each hostile shape against long topics', () => {
    for (const template of hostile) {
      const compiled = compileUriTemplate(template)!;
      for (const topic of topics)
        timed(`${template.slice(0, 30)} ~ ${topic.slice(0, 20)}…`, () => compiled.matches(topic));
    }
  });

  test('256 hostile templates compile and each matches a 4 KiB topic', () => {
    const many = Array.from(
      { length: 256 },
      (_, i) => `/p${i}${Array.from({ length: 7 }, (_, j) => `{&${names[j]}*}`).join('')}`,
    );
    const compiled = many.map((t) => compileUriTemplate(t)!);
    for (const [i, template] of compiled.entries()) {
      timed(`template ${i}`, () => template.matches(`/p${i}${'&a=1&b'.repeat(700)}`));
    }
  });
});
