/**
 * `npm run bench:url-patterns` — what one URL pattern match costs, on the hostile shapes of Mercure 1.0
 * §URL Pattern ("crafted patterns can therefore trigger catastrophic backtracking"): `urlpattern-polyfill`'s
 * own `test()` (backtracking regular expressions) against ours (src/hub/topics/url-pattern.ts: a Thompson NFA
 * with a step budget), on topics of 100 to 100,000 characters that fail at their last character (the worst
 * case of a backtracking engine). The library is only timed where it finishes in seconds. Then µs per publish
 * through the subscriber index with 100 and 10,000 distinct URL patterns subscribed (`/tenantN/:id`, plus a
 * few with no indexable prefix), each pattern filed by hostname and literal path start.
 *
 * Prints a table and writes bench/results/url-patterns.json.
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { URLPattern } from 'urlpattern-polyfill/urlpattern';
import { Subscriber } from '../src/hub/fanout/subscriber.js';
import { SubscriberIndex } from '../src/hub/fanout/subscriber-index.js';
import { compileSelector, TEMPLATE_BOUNDS } from '../src/hub/topics/selectors.js';
import { compileUrlPattern, URL_PATTERN_STEP_BUDGET } from '../src/hub/topics/url-pattern.js';
import type { StoredUpdate } from '../src/hub/update.js';

const HUB = 'https://hub.example/.well-known/mercure';
const BOUNDS = { maxSelectorLength: 1024, maxTemplateExpressions: 16 };

interface Shape {
  readonly name: string;
  readonly pattern: string;
  /** A topic of about `n` characters that the pattern does not match, failing as late as possible. */
  readonly topic: (n: number) => string;
  /** Longest topic the library is timed on (it backtracks polynomially or worse past it). */
  readonly libraryUpTo: number;
}

const a = (n: number) => 'a'.repeat(n);
const shapes: Shape[] = [
  { name: 'ordinary /books/:id', pattern: '/books/:id', topic: (n) => `/books/${a(n)}/x`, libraryUpTo: 100_000 },
  { name: 'two * runs', pattern: '/*a*b', topic: (n) => `/${a(n)}`, libraryUpTo: 10_000 },
  { name: 'four * runs', pattern: '/*a*a*a*b', topic: (n) => `/${a(n)}`, libraryUpTo: 100 },
  { name: '16 * runs', pattern: `/${'*a'.repeat(15)}*b`, topic: (n) => `/${a(n)}`, libraryUpTo: 0 },
  { name: ':a-:b-:c in one segment', pattern: '/:a-:b-:c!', topic: (n) => `/${'-'.repeat(n)}`, libraryUpTo: 100 },
  {
    name: '16 params in one segment',
    pattern: `/${Array.from({ length: 16 }, (_, i) => `:p${i}`).join('-')}!`,
    topic: (n) => `/${'-'.repeat(n)}`,
    libraryUpTo: 0,
  },
  { name: 'params in the search', pattern: '/x?:a:b:c=!', topic: (n) => `/x?${a(n)}`, libraryUpTo: 100 },
  {
    name: 'nested optional groups',
    pattern: '/x{/:a}*{/:b}*{/:c}*/z',
    topic: (n) => `/x${'/a'.repeat(n / 2)}`,
    libraryUpTo: 1000,
  },
  {
    name: 'regexp group (?:a+)+b (exponential when backtracking)',
    pattern: '/:x((?:a+)+b)',
    topic: (n) => `/${a(n)}`,
    libraryUpTo: 0,
  },
  {
    name: 'regexp group \\d{1,32} runs',
    pattern: '/:x((?:\\d{1,32})+x)',
    topic: (n) => `/${'1'.repeat(n)}`,
    libraryUpTo: 0,
  },
  {
    name: 'longest pattern (1024 chars)',
    pattern: `/${'{a*}?'.repeat(16)}${'b'.repeat(1024 - 81)}`,
    topic: (n) => `/${a(n)}`,
    libraryUpTo: 0,
  },
];

function timeMs(run: () => boolean, budgetMs: number): { ms: number; result: boolean } {
  let best = Number.POSITIVE_INFINITY;
  let result = false;
  const started = performance.now();
  for (let i = 0; i < 50 && performance.now() - started < budgetMs; i++) {
    const t = performance.now();
    result = run();
    best = Math.min(best, performance.now() - t);
  }
  return { ms: best, result };
}

const lengths = [100, 1_000, 10_000, 100_000];
const rows: { shape: string; n: number; oursMs: number; libraryMs: number | undefined }[] = [];
for (const shape of shapes) {
  const compiled = compileUrlPattern(shape.pattern, HUB, BOUNDS);
  if (!compiled.ok) throw new Error(`${shape.name}: ${compiled.message}`);
  const library = shape.libraryUpTo > 0 ? new URLPattern(shape.pattern, HUB) : undefined;
  for (const n of lengths) {
    const topic = shape.topic(n);
    const ours = timeMs(() => compiled.pattern.matches(`${topic}#${Math.random()}`), 200);
    const theirs =
      library !== undefined && n <= shape.libraryUpTo ? timeMs(() => library.test(topic, HUB), 2_000) : undefined;
    if (ours.result) throw new Error(`${shape.name} matched its failing topic`);
    rows.push({ shape: shape.name, n, oursMs: ours.ms, libraryMs: theirs?.ms });
  }
}

const fmt = (ms: number | undefined) =>
  ms === undefined ? '—' : ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(1)} ms`;
console.log(`\nOne failing match (best of up to 50; step budget ${URL_PATTERN_STEP_BUDGET.toLocaleString()})`);
console.log('| shape | topic length | ours | urlpattern-polyfill test() |');
console.log('|---|---:|---:|---:|');
for (const row of rows)
  console.log(`| ${row.shape} | ${row.n.toLocaleString()} | ${fmt(row.oursMs)} | ${fmt(row.libraryMs)} |`);
/** µs per publish through the index: `count` subscribers, one distinct pattern each. */
function publishThroughIndex(count: number): { usPerPublish: number; recipients: number } {
  const index = new SubscriberIndex();
  const stream = { writeFrame: () => true, close: () => {}, closed: false };
  const unindexable = ['https://:tenant.example/*', '/*/inbox', 'https://hub.example{/:a}?/news/:id'];
  const sources = [...unindexable, ...Array.from({ length: count - unindexable.length }, (_, i) => `/tenant${i}/:id`)];
  for (const [i, match] of sources.entries()) {
    const selector = compileSelector({ matchType: 'URLPattern', match }, TEMPLATE_BOUNDS, HUB);
    index.add(new Subscriber({ id: `s${i}`, selectors: [selector], privateSelectors: [], payload: undefined, stream }));
  }
  const publishes = 20_000;
  let recipients = 0;
  const started = performance.now();
  for (let position = 1; position <= publishes; position++) {
    const topic = `https://hub.example/tenant${position % count}/${position}`;
    const update: StoredUpdate = {
      id: `u${position}`,
      topics: [topic],
      data: '',
      private: false,
      type: undefined,
      retry: undefined,
      publishedAt: 0,
      position,
    };
    index.forEachRecipient(update, () => recipients++);
  }
  return { usPerPublish: ((performance.now() - started) * 1000) / publishes, recipients: recipients / publishes };
}

const publishRows = [100, 10_000].map((count) => ({ count, ...publishThroughIndex(count) }));
console.log('\nOne publish through the subscriber index (distinct topics, so no answer is cached)');
console.log('| distinct URL patterns | µs per publish | recipients per publish |');
console.log('|---:|---:|---:|');
for (const row of publishRows)
  console.log(`| ${row.count.toLocaleString()} | ${row.usPerPublish.toFixed(1)} | ${row.recipients.toFixed(2)} |`);

mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/url-patterns.json',
  `${JSON.stringify({ stepBudget: URL_PATTERN_STEP_BUDGET, rows, publishRows }, null, 2)}\n`,
);
