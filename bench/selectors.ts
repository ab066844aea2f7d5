/**
 * `npm run bench:selectors` — what topic selectors cost the hub, before and after issue L, in one run:
 *
 * 1. compile time per template, `uri-template-router` (the old matcher) against ours (src/hub/topics/uri-template.ts),
 *    on the issue's hostile `{&x*}` shapes and an ordinary template;
 * 2. µs per publish through the subscriber index with 100 and with 100,000 distinct templates subscribed
 *    (`https://example.com/tenant{N}/{id}{/sub}` plus a few hostile and catch-all shapes): ours
 *    (SubscriberIndex.forEachRecipient) against the old design (bench/selectors-old.ts: every template
 *    tested on every publish, through caches of 10,000 templates and 100,000 answers);
 * 3. µs per publish through a real hub (createHub on loopback, the subscribers' streams open), ours only.
 *
 * Prints a table and writes bench/results/selectors.json. `BENCH_PUBLISHES` sets how many publishes each
 * measurement of ours makes (default 20,000).
 * @module
 */
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { Subscriber } from '../src/hub/fanout/subscriber.js';
import { SubscriberIndex } from '../src/hub/fanout/subscriber-index.js';
import { createHub } from '../src/hub/hub.js';
import { compileSelector, TEMPLATE_BOUNDS } from '../src/hub/topics/selectors.js';
import { compileUriTemplate } from '../src/hub/topics/uri-template.js';
import type { StoredUpdate } from '../src/hub/update.js';
import { compileOld, OldIndex, type OldRouter } from './selectors-old.js';

const PUBLISHES = Number(process.env.BENCH_PUBLISHES ?? 20_000);
const NAMES = 'abcdefg';
const amps = (n: number) => [...NAMES.slice(0, n)].map((name) => `{&${name}*}`).join('');

/** `count` distinct templates: tenants, plus shapes that are hostile or match every topic. */
function templates(count: number): string[] {
  const special = [
    `/p0${amps(4)}`,
    amps(4),
    'https://example.com/{+rest}',
    'https://example.com/users/{id}/inbox{?since}',
  ];
  return [
    ...special,
    ...Array.from({ length: count - special.length }, (_, i) => `https://example.com/tenant${i}/{id}{/sub}`),
  ];
}

/** Topics a publisher would use: most for one tenant, some for nobody's template but the catch-all. */
function topics(count: number, tenants: number): string[] {
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  return Array.from({ length: count }, (_, i) =>
    i % 10 === 9
      ? `https://example.com/news/${i}`
      : `https://example.com/tenant${Math.floor(random() * tenants)}/${i}${i % 2 === 0 ? '/comments' : ''}`,
  );
}

function update(topic: string, position: number): StoredUpdate {
  return {
    id: `u${position}`,
    topics: [topic],
    data: '',
    private: false,
    type: undefined,
    retry: undefined,
    publishedAt: 0,
    position,
  };
}

const stream = { writeFrame: () => true, close: () => {}, closed: false };

/** Ours: µs per publish through SubscriberIndex, best of three rounds, and the heap the index holds. */
function measureOurs(list: readonly string[]): { usPerPublish: number; recipients: number; heapMiB: number } {
  const before = heapUsed();
  const index = new SubscriberIndex();
  list.forEach((template, i) => {
    const selectors = [compileSelector(template, TEMPLATE_BOUNDS)];
    index.add(new Subscriber({ id: `s${i}`, selectors, privateSelectors: [], payload: undefined, stream }));
  });
  const heapMiB = (heapUsed() - before) / 2 ** 20;
  const publishTopics = topics(PUBLISHES, list.length);
  let position = 0;
  let recipients = 0;
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    recipients = 0;
    const started = performance.now();
    for (const topic of publishTopics) index.forEachRecipient(update(topic, ++position), () => void recipients++);
    best = Math.min(best, ((performance.now() - started) * 1000) / publishTopics.length);
  }
  return { usPerPublish: best, recipients: recipients / publishTopics.length, heapMiB };
}

/**
 * The old design. With `reuse`, templates are not compiled one by one (100,000 compiles would take hours):
 * each is matched by the router of a same-shaped template, so the scan costs what it did, minus compiling.
 */
function measureOld(list: readonly string[], publishes: number, reuse?: number) {
  let compile = compileOld;
  if (reuse !== undefined) {
    const routers = list.slice(0, reuse).map((t) => compileOld(t));
    const byTemplate = new Map(list.map((t, i) => [t, routers[i % reuse] ?? null] as const));
    compile = (t: string): OldRouter | null => byTemplate.get(t) ?? null;
  }
  const index = new OldIndex(compile);
  for (const [i, template] of list.entries()) index.add(template, i);
  const publishTopics = topics(publishes + 1, list.length);
  let recipients = 0;
  const started = performance.now();
  index.forEachRecipient([publishTopics[0]!], () => void recipients++);
  const firstPublishMs = performance.now() - started;
  const warm = performance.now();
  for (const topic of publishTopics.slice(1)) index.forEachRecipient([topic], () => void recipients++);
  return { firstPublishMs, usPerPublish: ((performance.now() - warm) * 1000) / publishes };
}

function heapUsed(): number {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}

/** ms to compile `template` with the old matcher, and µs with ours (distinct shapes, so nothing is shared). */
function compileTimes(template: string, topic: string): { oldMs: number; newUs: number; newFirstMatchUs: number } {
  const started = performance.now();
  compileOld(template);
  const oldMs = performance.now() - started;
  const rounds = 200;
  let compileUs = 0;
  let matchUs = 0;
  for (let k = 0; k < rounds; k++) {
    // A distinct literal in the middle makes each a new shape: no automaton or DFA state is reused.
    const variant = template.replace('}', `}${k}x`);
    const t0 = performance.now();
    const compiled = compileUriTemplate(variant)!;
    const t1 = performance.now();
    compiled.matches(topic);
    matchUs += (performance.now() - t1) * 1000;
    compileUs += (t1 - t0) * 1000;
  }
  return { oldMs, newUs: compileUs / rounds, newFirstMatchUs: matchUs / rounds };
}

/** A selector as a raw query value: braces and slashes stay, so 250 templates fit in one request head. */
const queryValue = (selector: string) => selector.replace(/[%&+#]/g, (c) => encodeURIComponent(c));

/**
 * Ours through a real hub: the templates spread over loopback streams (250 each, plus `/sentinel`), then
 * µs per publish from the first publish until every stream has the sentinel published after the last.
 */
async function measureHub(list: readonly string[], publishes: number): Promise<number> {
  const perConnection = 250;
  const hub = await createHub({
    allowAnonymous: true,
    compression: false,
    maxTemplatesPerConnection: perConnection,
    maxTemplatesPerIp: 0,
    heartbeatMs: 0,
  });
  const { port } = await hub.listen(0);
  const endpoint = `http://127.0.0.1:${port}/.well-known/mercure`;
  const requests: ReturnType<typeof request>[] = [];
  let waiting = 0;
  let allDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    allDone = resolve;
  });
  for (let i = 0; i < list.length; i += perConnection) {
    const query = [...list.slice(i, i + perConnection), '/sentinel'].map((t) => `topic=${queryValue(t)}`);
    waiting++;
    await new Promise<void>((resolve, reject) => {
      const req = request(`${endpoint}?${query.join('&')}`, (res) => {
        if (res.statusCode !== 200) reject(new Error(`subscribe: ${res.statusCode}`));
        let tail = '';
        res.on('data', (chunk: Buffer) => {
          tail = (tail + chunk.toString()).slice(-64);
          if (tail.includes('data: end') && --waiting === 0) allDone();
        });
        resolve();
      });
      req.on('error', reject);
      req.end();
      requests.push(req);
    });
  }
  const publishTopics = topics(publishes, list.length);
  const started = performance.now();
  for (const topic of publishTopics) await hub.publish({ topics: topic, data: 'x' });
  await hub.publish({ topics: '/sentinel', data: 'end' });
  await done;
  const elapsed = performance.now() - started;
  for (const req of requests) req.destroy();
  await hub.close();
  return (elapsed * 1000) / publishes;
}

const fmt = (n: number, digits = 1) => (n >= 100 ? n.toFixed(0) : n.toFixed(digits));

const compileRows = [
  { template: 'https://example.com/tenant7/{id}{/sub}', topic: 'https://example.com/tenant7/42/x' },
  ...[5, 6, 7].map((n) => ({ template: `/p0${amps(n)}`, topic: `/p0${'&a=1&b=2'.repeat(4)}` })),
].map(({ template, topic }) => ({ template, ...compileTimes(template, topic) }));

const small = templates(100);
const large = templates(100_000);
const ours100 = measureOurs(small);
const ours100k = measureOurs(large);
const old100 = measureOld(small, 2_000);
const old100kScan = measureOld(large, 3, 200);
const meanOldCompileMs = compileRows[0]!.oldMs;
// Past its 10,000-template cache the old hub recompiled every template it met on every publish: a FIFO cache
// scanned in the same order past its size misses every time.
const old100kExtrapolatedMs = large.length * meanOldCompileMs + old100kScan.usPerPublish / 1000;
const hub100 = await measureHub(small, 2_000);
const hub100k = await measureHub(large, 2_000);

const publishRows = [
  {
    templates: 100,
    oursUs: ours100.usPerPublish,
    oldUs: old100.usPerPublish,
    note: `old first publish (compiles all) ${fmt(old100.firstPublishMs)} ms`,
  },
  {
    templates: 100_000,
    oursUs: ours100k.usPerPublish,
    oldUs: old100kScan.usPerPublish,
    note: `old scan only (compiles excluded); with them ≈ ${fmt(old100kExtrapolatedMs / 1000)} s per publish (100,000 × ${fmt(meanOldCompileMs)} ms, extrapolated)`,
  },
];

console.log('\nCompile one template');
console.log('| template | uri-template-router | ours: compile | ours: first match |');
console.log('|---|---:|---:|---:|');
for (const r of compileRows)
  console.log(`| \`${r.template}\` | ${fmt(r.oldMs)} ms | ${fmt(r.newUs)} µs | ${fmt(r.newFirstMatchUs)} µs |`);
console.log('\nOne publish through the subscriber index (µs per publish)');
console.log('| distinct templates | ours | old design | old / ours | note |');
console.log('|---:|---:|---:|---:|---|');
for (const r of publishRows)
  console.log(
    `| ${r.templates.toLocaleString('en')} | ${fmt(r.oursUs, 2)} | ${fmt(r.oldUs)} | ${fmt(r.oldUs / r.oursUs)}× | ${r.note} |`,
  );
console.log(`\nOurs holds ${fmt(ours100k.heapMiB)} MiB of heap for 100,000 templates and their subscribers.`);
console.log(
  `Through a real hub (publish → delivered, ours): ${fmt(hub100)} µs with 100 templates, ${fmt(hub100k)} µs with 100,000.`,
);

writeFileSync(
  new URL('./results/selectors.json', import.meta.url),
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      peer: 'uri-template-router@1.0.0, every template tested per publish (the hub before issue L)',
      publishes: PUBLISHES,
      compile: compileRows,
      publish: publishRows,
      oursHeapMiBAt100k: ours100k.heapMiB,
      realHubUsPerPublish: { templates100: hub100, templates100k: hub100k },
    },
    null,
    2,
  )}\n`,
);
