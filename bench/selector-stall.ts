/**
 * The stall of issue L, measured: the slowest `/healthz` answer of `hotline serve` (its own process, memory
 * log) while one request with hostile URI templates and one with ordinary templates are served and an update
 * is published every 100 ms. `/healthz` is polled every ~10 ms from this process; a poll still unanswered
 * when the run ends counts for as long as it waited. Measured on 2026-12-07 (2 shared cores):
 *
 *   node --import tsx bench/selector-stall.ts --hostile 256 --expressions 7 --ordinary 200 --earliest
 *     before (uri-template-router): no answer at all for the 90 s of the run; after: slowest 20 ms
 *     (with --serve=--max-templates-per-connection=256, else the default limits refuse both requests: 11 ms)
 *
 * Options: --hostile <n> templates `/p{i}{&a*}{&b*}…` of --expressions <n> each, --ordinary <n> templates
 * `https://example.com/tenant{i}/{id}{/sub}`, --earliest (resume from the start of history), --seconds <n>,
 * --serve=<flag=value> (repeatable) passed on to `hotline serve`.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mintToken } from '../src/cli/token.js';
import { startHubProcess } from '../test/fixtures/hub-process.js';

const { values } = parseArgs({
  options: {
    hostile: { type: 'string', default: '256' },
    expressions: { type: 'string', default: '7' },
    ordinary: { type: 'string', default: '200' },
    earliest: { type: 'boolean', default: false },
    seconds: { type: 'string', default: '20' },
    serve: { type: 'string', multiple: true, default: [] },
  },
});
const hostile = Number(values.hostile);
const expressions = Number(values.expressions);
const ordinary = Number(values.ordinary);
const seconds = Number(values.seconds);

const secret = 'selector-stall-bench-secret-0123456789';
const dataDir = mkdtempSync(join(tmpdir(), 'hotline-selector-stall-'));
const serveArgs = values.serve.flatMap((flag) => flag.split('='));
const hub = await startHubProcess({
  dataDir,
  args: ['--allow-anonymous', '--log', 'memory', '--jwt-secret', secret, '--no-dashboard', ...serveArgs],
});
const endpoint = `${hub.origin}/.well-known/mercure`;
const publisher = await mintToken({ secret, publish: ['*'] });
const names = 'abcdefghijklmnop';
const query = (selectors: string[]) => selectors.map((s) => `topic=${s.replaceAll('&', '%26')}`).join('&');
const hostileSelectors = Array.from(
  { length: hostile },
  (_, i) => `/p${i}${[...names.slice(0, expressions)].map((n) => `{&${n}*}`).join('')}`,
);
const ordinarySelectors = Array.from({ length: ordinary }, (_, i) => `https://example.com/tenant${i}/{id}{/sub}`);
const publish = (topic: string) =>
  fetch(endpoint, {
    method: 'POST',
    headers: { Authorization: `Bearer ${publisher}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `topic=${encodeURIComponent(topic)}&data=x`,
  }).then((r) => r.text());

await publish('/warm-up');
let stopped = false;
let worst = 0;
let polls = 0;
let pollStarted = -1;
const poller = (async () => {
  while (!stopped) {
    pollStarted = performance.now();
    await (await fetch(`${hub.origin}/healthz`)).text();
    worst = Math.max(worst, performance.now() - pollStarted);
    pollStarted = -1;
    polls++;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
})();
const abort = new AbortController();
const open = (url: string) =>
  fetch(url, { signal: abort.signal })
    .then((response) => response.status)
    .catch(() => 0);
const statuses = Promise.all([
  open(`${endpoint}?${query(hostileSelectors)}${values.earliest ? '&lastEventID=earliest' : ''}`),
  open(`${endpoint}?${query(ordinarySelectors)}`),
]);
const publisherLoop = (async () => {
  for (let i = 0; !stopped; i++) {
    await publish(`https://example.com/tenant${i % 100}/x`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
})();
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
stopped = true;
if (pollStarted >= 0) worst = Math.max(worst, performance.now() - pollStarted);
const [hostileStatus, ordinaryStatus] = await Promise.race([
  statuses,
  new Promise<number[]>((resolve) => setTimeout(() => resolve([0, 0]), 100)),
]);
console.log(
  JSON.stringify({
    hostile,
    expressions,
    ordinary,
    earliest: values.earliest,
    seconds,
    hostileStatus,
    ordinaryStatus,
    polls,
    worstHealthzMs: Math.round(worst),
  }),
);
abort.abort();
void poller;
void publisherLoop;
hub.kill();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
