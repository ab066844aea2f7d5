/**
 * No subscription can stall the hub through its topic selectors (issue L, item 1). Against `hotline serve`
 * in its own process on loopback: while a request with 256 hostile URI templates (with and without
 * `lastEventID=earliest`) and one with 200 ordinary templates are served and updates are published,
 * `/healthz` answers within 50 ms every time — the bound the issue sets; the old matcher froze the hub for
 * over a minute on the same requests. Then each template limit, past it: a JSON 400 or 429 naming the
 * limit, set by flag, environment variable or config file, and the hub stays up.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { publishOk, SECRET, token } from '../fixtures/hub.js';
import { type HubProcess, startHubProcess } from '../fixtures/hub-process.js';
import { openStream, type RawStream } from '../fixtures/sse-reader.js';

const HEALTHZ_BOUND_MS = 50;
/** node:http refuses request heads past 16 KiB (431): the hostile request must fit in one. */
const MAX_HEAD_BYTES = 16 * 1024;
const NAMES = 'abcdefg';

/**
 * 256 distinct templates of seven `{&x*}` expressions each (within the default limits): half behind a
 * literal prefix, half with none at all, which every topic must be tested against.
 */
const HOSTILE = Array.from({ length: 256 }, (_, i) => {
  const expressions = [...NAMES].map((name, j) => `{&${name}${j === 0 && i >= 128 ? i : ''}*}`).join('');
  return i < 128 ? `/p${i}${expressions}` : expressions;
});
const ORDINARY = Array.from({ length: 200 }, (_, i) => `https://example.com/tenant${i}/{id}{/sub}`);

/** Braces stay raw (node:http accepts them) so that 256 templates fit in one request head; `&` is escaped. */
function subscribeUrl(endpoint: string, selectors: readonly string[], extra = ''): string {
  return `${endpoint}?${selectors.map((s) => `topic=${s.replaceAll('&', '%26')}`).join('&')}${extra}`;
}

async function stopHub(hub: HubProcess | undefined, dir: string): Promise<void> {
  if (hub !== undefined && hub.child.exitCode === null) {
    const exited = new Promise((resolve) => hub.child.once('exit', resolve));
    hub.kill();
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Polls `/healthz` every ~10 ms from a worker thread and records how long each answer took: on its own
 * event loop, so that what this test process does meanwhile (publishing, reading streams) is not counted.
 */
const POLLER = `
  const { parentPort, workerData } = require('node:worker_threads');
  const latencies = [];
  let running = true;
  parentPort.on('message', () => { running = false; });
  (async () => {
    // Warm up (the worker's first fetch loads its HTTP client), then say so and start counting.
    for (let i = 0; i < 3; i++) await (await fetch(workerData.origin + '/healthz')).text();
    parentPort.postMessage('ready');
    while (running) {
      const started = performance.now();
      const response = await fetch(workerData.origin + '/healthz');
      await response.text();
      latencies.push(response.status === 200 ? performance.now() - started : Number.POSITIVE_INFINITY);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    parentPort.postMessage(latencies);
  })();
`;

async function pollHealth(origin: string): Promise<{ stop(): Promise<number[]> }> {
  const worker = new Worker(POLLER, { eval: true, workerData: { origin } });
  assert.deepEqual(await once(worker, 'message'), ['ready']);
  return {
    async stop() {
      worker.postMessage('stop');
      const [latencies] = (await once(worker, 'message')) as [number[]];
      await worker.terminate();
      return latencies;
    },
  };
}

describe('selectors cannot stall the hub', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-selector-stall-'));
  let hub: HubProcess | undefined;
  let endpoint = '';
  let publisher = '';

  before(async () => {
    // 256 templates in one subscription: more than the default 64 per connection allows, so that the
    // hub really serves the hostile request instead of refusing it.
    hub = await startHubProcess({
      dataDir: dir,
      args: [
        '--allow-anonymous',
        '--log',
        'memory',
        '--jwt-secret',
        SECRET,
        '--no-dashboard',
        '--max-templates-per-connection',
        '256',
      ],
    });
    endpoint = `${hub.origin}/.well-known/mercure`;
    publisher = await token({ publish: ['*'] });
  });
  after(() => stopHub(hub, dir));

  test('/healthz answers within 50 ms while 256 hostile and 200 ordinary templates are served', async (t) => {
    const topicOf = (n: number) =>
      [`/p${n % 128}&a=1&b=2&c=${n}`, `&a=${n}&zz=1`, `https://example.com/tenant${n % 200}/${n}/x`][n % 3]!;
    // History, so that `lastEventID=earliest` replays hundreds of updates through every template.
    for (let n = 0; n < 600; n += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, k) =>
          publishOk(endpoint, { topic: topicOf(n + k), data: 'history' }, publisher),
        ),
      );
    }
    const hostileUrl = subscribeUrl(endpoint, HOSTILE);
    assert.ok(hostileUrl.length < MAX_HEAD_BYTES - 512, `the hostile request is ${hostileUrl.length} bytes`);

    const health = await pollHealth(hub!.origin);
    const streams: RawStream[] = [];
    try {
      const live = await openStream(hostileUrl);
      const replaying = await openStream(subscribeUrl(endpoint, HOSTILE, '&lastEventID=earliest'));
      const ordinary = await openStream(subscribeUrl(endpoint, ORDINARY));
      streams.push(live, replaying, ordinary);
      assert.deepEqual(
        streams.map((s) => s.status),
        [200, 200, 200],
      );
      for (let n = 0; n < 120; n++) {
        await publishOk(endpoint, { topic: topicOf(n), data: `live-${n}` }, publisher);
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
      const liveCount = (s: RawStream) => s.events.filter((e) => e.data.startsWith('live-')).length;
      // Every live update matches the hostile selectors (two topics in three) or the ordinary ones (one in three).
      await live.until(() => liveCount(live) === 80);
      await replaying.until(() => liveCount(replaying) === 80);
      await ordinary.until(() => liveCount(ordinary) === 40);
      assert.equal(replaying.events.filter((e) => e.data === 'history').length, 400, 'the replay went through');
    } finally {
      for (const s of streams) s.close();
      const latencies = await health.stop();
      const worst = Math.max(...latencies);
      t.diagnostic(`/healthz answered ${latencies.length} times, the slowest in ${worst.toFixed(1)} ms`);
      assert.ok(latencies.length >= 50, `only ${latencies.length} health checks`);
      assert.ok(worst < HEALTHZ_BOUND_MS, `the slowest /healthz took ${worst.toFixed(1)} ms`);
    }
  });
});

describe('template limits, past each one: a JSON refusal naming it, and the hub stays up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-selector-limits-'));
  let hub: HubProcess | undefined;
  let endpoint = '';

  before(async () => {
    // One limit per way of configuring: a flag, an environment variable, a config file.
    const config = join(dir, 'hotline.json');
    writeFileSync(config, JSON.stringify({ 'max-templates-per-connection': 2, 'max-templates-per-ip': 3 }));
    process.env.HOTLINE_MAX_TEMPLATE_EXPRESSIONS = '3';
    try {
      hub = await startHubProcess({
        dataDir: dir,
        args: [
          '--allow-anonymous',
          '--log',
          'memory',
          '--no-dashboard',
          '--max-selector-length',
          '64',
          '--config',
          config,
        ],
      });
    } finally {
      delete process.env.HOTLINE_MAX_TEMPLATE_EXPRESSIONS;
    }
    endpoint = `${hub.origin}/.well-known/mercure`;
  });
  after(() => stopHub(hub, dir));

  async function refused(selectors: readonly string[], status: number, limit: string): Promise<Response> {
    const response = await fetch(subscribeUrl(endpoint, selectors), { headers: { Accept: 'application/json' } });
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(response.status, status);
    assert.equal(body.error.code, 'HOTLINE_HUB_SELECTOR_LIMIT');
    assert.match(body.error.message, new RegExp(limit));
    return response;
  }

  test('a template longer than --max-selector-length gets a 400', async () => {
    await refused([`/books/${'x'.repeat(60)}/{id}`], 400, 'maxSelectorLength');
  });

  test('a template with more expressions than HOTLINE_MAX_TEMPLATE_EXPRESSIONS gets a 400', async () => {
    await refused(['/b/{a}{b}{c}{d}'], 400, 'maxTemplateExpressions');
    await refused(['/b/{a}{b,c,d}'], 400, 'maxTemplateExpressions');
  });

  test('more templates than the config file allows per connection get a 400', async () => {
    await refused(['/a/{x}', '/b/{x}', '/c/{x}'], 400, 'maxTemplatesPerConnection');
  });

  test('more templates than the config file allows per address get a 429 until a stream closes', async () => {
    const first = await openStream(subscribeUrl(endpoint, ['/a/{x}', '/b/{x}']));
    const second = await openStream(subscribeUrl(endpoint, ['/a/{x}', '/c/{x}']));
    try {
      assert.deepEqual([first.status, second.status], [200, 200], 'a template held twice counts once');
      const response = await refused(['/d/{x}'], 429, 'maxTemplatesPerIp');
      assert.equal(response.headers.get('retry-after'), '5');
      first.close();
      second.close();
      await Promise.all([first.ended, second.ended]);
      // The hub releases the address's templates when it sees the streams close.
      let status = 0;
      for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
        const third = await openStream(subscribeUrl(endpoint, ['/d/{x}', '/e/{x}']));
        status = third.status;
        third.close();
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(status, 200);
    } finally {
      first.close();
      second.close();
    }
  });

  test('after every refusal the hub still answers and still serves templates', async () => {
    assert.equal((await fetch(`${hub!.origin}/healthz`)).status, 200);
    const stream = await openStream(subscribeUrl(endpoint, ['/ok/{x}', '/exact', `/${'x'.repeat(100)}`]));
    stream.close();
    assert.equal(stream.status, 200);
  });
});
