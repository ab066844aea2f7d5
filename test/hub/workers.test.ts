/**
 * `hotline serve --workers`: real hub processes, n workers on one port. Subscribers spread over the workers
 * (checked per worker through `/metrics`) each get every update once and in order, whichever worker took
 * the publish; they resume by Last-Event-ID on another worker; metrics, the subscriptions API and
 * connection limits answer for the hub; SIGTERM drains every worker; a killed worker is replaced and its
 * clients resume; a killed primary takes its workers with it, and SQLite keeps the history for the restart.
 * With Redis or NATS each worker follows the engine itself.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { deleteNatsLog, deleteRedisLog } from '../../bench/peers/log-cleanup.js';
import { type EventReader, SECRET, subscribe, token } from '../fixtures/hub.js';
import { type HubProcess, startHubProcess } from '../fixtures/hub-process.js';
import { NATS_URL, REDIS_URL, reachable, skipUnless } from '../fixtures/services.js';

const TOPIC = '/workers/feed';
const redisSkip = skipUnless(await reachable(REDIS_URL), `Redis at ${REDIS_URL}`);
const natsSkip = skipUnless(await reachable(NATS_URL), `NATS at ${NATS_URL}`);
const API = '/.well-known/mercure/subscriptions';

async function startWorkers(dataDir: string, args: readonly string[]): Promise<HubProcess> {
  return startHubProcess({
    dataDir,
    args: ['--workers', '2', '--jwt-secret', SECRET, '--allow-anonymous', '--log-level', 'warn', ...args],
    startTimeoutMs: 40_000,
  });
}

/** SIGTERM, then the exit code; SIGKILL if the hub has not exited within `ms`. */
function terminate(hub: HubProcess, ms = 20_000): Promise<number | null> {
  if (hub.child.exitCode !== null) return Promise.resolve(hub.child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => hub.kill('SIGKILL'), ms);
    hub.child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    hub.kill('SIGTERM');
  });
}

/** Publishes over a connection of its own, so consecutive publishes reach the workers in turn. */
function publishFresh(origin: string, data: string, bearer: string): Promise<string> {
  const body = new URLSearchParams({ topic: TOPIC, data }).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      `${origin}/.well-known/mercure`,
      {
        method: 'POST',
        agent: false,
        headers: {
          Authorization: `Bearer ${bearer}`,
          'Content-Type': 'application/x-www-form-urlencoded',
          'Content-Length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${res.statusCode} ${text}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface WorkerSeries {
  readonly pid: string;
  readonly subscribers: number;
  readonly published: number;
}

/**
 * GET over a connection of its own (fetch's `Connection: close` is dropped: a forbidden header). A pooled
 * idle connection would carry the test's next subscription to whichever worker holds it.
 */
function getFresh(
  origin: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${origin}${path}`, { agent: false, headers, timeout: 15_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

async function metricsText(origin: string): Promise<string> {
  const { status, body } = await getFresh(origin, '/metrics');
  assert.equal(status, 200);
  return body;
}

/** One sample of a metric without labels in the hub's aggregated /metrics. */
function sample(text: string, name: string): number {
  const line = text.split('\n').find((each) => each.startsWith(`${name} `));
  assert.ok(line !== undefined, `${name} in /metrics`);
  return Number(line.slice(name.length + 1));
}

/** Each worker's own series, by worker index. */
function workers(text: string): Map<string, WorkerSeries> {
  const found = new Map<string, { pid: string; subscribers: number; published: number }>();
  for (const match of text.matchAll(/^hotline_worker_(subscribers|updates_published)\{([^}]*)\} (\d+)/gm)) {
    const labels = Object.fromEntries([...match[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    const entry = found.get(labels.worker!) ?? { pid: labels.pid!, subscribers: 0, published: 0 };
    if (match[1] === 'subscribers') entry.subscribers = Number(match[3]);
    else entry.published = Number(match[3]);
    found.set(labels.worker!, entry);
  }
  return found;
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Reads `count` events and returns their data. */
async function read(reader: EventReader, count: number): Promise<string[]> {
  const data: string[] = [];
  for (let i = 0; i < count; i++) data.push((await reader.next(15_000)).data);
  return data;
}

const numbered = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `n${from + i}`);

/** Subscribers on both workers, publishes through both: each subscriber gets every update once, in order. */
async function broadcastAcrossWorkers(hub: HubProcess, subscribers: number, updates: number): Promise<string[]> {
  const endpoint = `${hub.origin}/.well-known/mercure`;
  const readers = await Promise.all(Array.from({ length: subscribers }, () => subscribe(endpoint, [TOPIC])));
  try {
    await until(async () => {
      const spread = [...workers(await metricsText(hub.origin)).values()];
      return (
        spread.length === 2 &&
        spread.every((w) => w.subscribers > 0) &&
        spread.reduce((sum, w) => sum + w.subscribers, 0) === subscribers
      );
    }, `${subscribers} subscribers spread over both workers`);
    const publisher = await token({ publish: ['*'] });
    const ids: string[] = [];
    for (let i = 1; i <= updates; i++) ids.push(await publishFresh(hub.origin, `n${i}`, publisher));
    const spread = [...workers(await metricsText(hub.origin)).values()];
    assert.ok(
      spread.every((w) => w.published > 0),
      `both workers took publishes: ${JSON.stringify(spread)}`,
    );
    assert.equal(
      spread.reduce((sum, w) => sum + w.published, 0),
      updates,
    );
    for (const reader of readers) {
      assert.deepEqual(await read(reader, updates), numbered(1, updates));
      assert.equal(await reader.nothingWithin(100), undefined, 'no update twice');
    }
    return ids;
  } finally {
    for (const reader of readers) reader.close();
  }
}

describe('hotline serve --workers', () => {
  test('memory log, 2 workers: every update once and in order on both, metrics summed, subscriptions listed once, resume on the other worker', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hotline-workers-'));
    const hub = await startWorkers(dataDir, ['--log', 'memory', '--subscriptions-api']);
    try {
      assert.match(hub.output(), /log: memory, 2 workers/);
      const ids = await broadcastAcrossWorkers(hub, 16, 30);
      const text = await metricsText(hub.origin);
      assert.equal(sample(text, 'hotline_deliveries_total'), 16 * 30, 'deliveries summed over the workers');
      for (let ask = 0; ask < 2; ask++) {
        const ready = await getFresh(hub.origin, '/readyz');
        assert.deepEqual(JSON.parse(ready.body), { status: 'ready', log: 'memory' }, 'one answer from any worker');
      }

      // Resume: new connections until each worker holds one; each replays what came after the id.
      const endpoint = `${hub.origin}/.well-known/mercure`;
      await until(
        async () => [...workers(await metricsText(hub.origin)).values()].every((w) => w.subscribers === 0),
        'the first subscribers gone',
      );
      const resumers: EventReader[] = [];
      try {
        for (let opened = 0; opened < 8; opened++) {
          // Two connections in a row, nothing between them: the primary's round-robin hands them to different
          // workers. (One at a time, with the metrics requests between, can land every one on one worker.)
          resumers.push(await subscribe(endpoint, [TOPIC], { lastEventId: ids[9]! }));
          resumers.push(await subscribe(endpoint, [TOPIC], { lastEventId: ids[9]! }));
          await until(async () => {
            const spread = [...workers(await metricsText(hub.origin)).values()];
            return spread.reduce((sum, w) => sum + w.subscribers, 0) === resumers.length;
          }, `${resumers.length} resumers counted`);
          if ([...workers(await metricsText(hub.origin)).values()].every((w) => w.subscribers > 0)) break;
        }
        const spread = [...workers(await metricsText(hub.origin)).values()];
        assert.ok(
          spread.every((w) => w.subscribers > 0),
          `resumers on both workers: ${JSON.stringify(spread)}`,
        );
        for (const resumer of resumers) assert.deepEqual(await read(resumer, 20), numbered(11, 30));

        // The subscriptions API, asked on either worker, lists each subscription of the hub once.
        const apiToken = await token({ subscribe: [`${API}{/topic}{/subscriber}`] });
        for (let ask = 0; ask < 2; ask++) {
          const response = await getFresh(hub.origin, API, { Authorization: `Bearer ${apiToken}` });
          assert.equal(response.status, 200);
          const listing = JSON.parse(response.body) as { subscriptions: { id: string; topic: string }[] };
          const feed = listing.subscriptions.filter((s) => s.topic === TOPIC);
          assert.equal(feed.length, resumers.length, 'every resumer, each once');
          assert.equal(new Set(feed.map((s) => s.id)).size, resumers.length);
        }
      } finally {
        for (const resumer of resumers) resumer.close();
      }
    } finally {
      await terminate(hub);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('SQLite log: a killed worker is replaced and its clients resume; SIGTERM drains every worker and exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hotline-workers-'));
    const hub = await startWorkers(dataDir, ['--drain-window-ms', '300']);
    const endpoint = `${hub.origin}/.well-known/mercure`;
    const readers: EventReader[] = [];
    try {
      assert.match(hub.output(), /log: sqlite, 2 workers/);
      for (let i = 0; i < 6; i++) readers.push(await subscribe(endpoint, [TOPIC]));
      await until(async () => {
        const spread = [...workers(await metricsText(hub.origin)).values()];
        return spread.every((w) => w.subscribers > 0) && spread.reduce((sum, w) => sum + w.subscribers, 0) === 6;
      }, 'six subscribers on both workers');
      const publisher = await token({ publish: ['*'] });
      const first = await publishFresh(hub.origin, 'n1', publisher);
      for (const reader of readers) assert.deepEqual(await read(reader, 1), ['n1']);

      const victim = workers(await metricsText(hub.origin)).get('0')!;
      process.kill(Number(victim.pid), 'SIGKILL');
      await until(async () => {
        const now = workers(await metricsText(hub.origin).catch(() => ''));
        return now.size === 2 && now.get('0')!.pid !== victim.pid;
      }, 'a new worker 0');
      // The killed worker's streams ended; they resume by id on the live workers and miss nothing.
      const ended: EventReader[] = [];
      for (const reader of readers) {
        const gone = await reader.next(1_500).then(
          () => false,
          (error: Error) => !/no event within/.test(error.message),
        );
        if (gone) ended.push(reader);
      }
      assert.equal(ended.length, victim.subscribers, 'the streams of the killed worker ended, and only those');
      await publishFresh(hub.origin, 'n2', publisher);
      const resumed = await Promise.all(ended.map(() => subscribe(endpoint, [TOPIC], { lastEventId: first })));
      readers.push(...resumed);
      for (const reader of resumed) assert.deepEqual(await read(reader, 1), ['n2']);

      // SIGTERM: every worker drains its streams (each told to retry), then the hub exits 0.
      const live = readers.filter((r) => !ended.includes(r));
      for (const reader of live.filter((r) => !resumed.includes(r))) assert.deepEqual(await read(reader, 1), ['n2']);
      const code = await terminate(hub);
      assert.equal(code, 0, hub.output());
      for (const reader of live) {
        await assert.rejects(reader.next(5_000), /stream ended|terminated|aborted/i);
        assert.ok(reader.retries.length > 0, 'a drained stream is told when to come back');
      }
      await assert.rejects(fetch(`${hub.origin}/healthz`), 'nothing listens after the drain');
    } finally {
      for (const reader of readers) reader.close();
      await terminate(hub);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('SQLite log: when the primary (the log owner) dies its workers exit too; a restarted hub resumes clients by id', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hotline-workers-'));
    let hub = await startWorkers(dataDir, []);
    try {
      const publisher = await token({ publish: ['*'] });
      const first = await publishFresh(hub.origin, 'n1', publisher);
      const pids = [...workers(await metricsText(hub.origin)).values()].map((w) => Number(w.pid));
      assert.equal(pids.length, 2);
      const exited = new Promise((resolve) => hub.child.once('exit', resolve));
      hub.kill('SIGKILL');
      await exited;
      const alive = (pid: number) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      await until(async () => !pids.some(alive), 'both workers gone with their primary');
      hub = await startWorkers(dataDir, []);
      await publishFresh(hub.origin, 'n2', publisher);
      const reader = await subscribe(`${hub.origin}/.well-known/mercure`, [TOPIC], { lastEventId: first });
      try {
        assert.deepEqual(await read(reader, 1), ['n2'], 'the history survived in SQLite');
      } finally {
        reader.close();
      }
    } finally {
      await terminate(hub);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('--workers auto starts one worker per core; --max-connections is shared out among them', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hotline-workers-'));
    const cores = availableParallelism();
    const hub = await startHubProcess({
      dataDir,
      args: [
        '--workers',
        'auto',
        '--log',
        'memory',
        '--jwt-secret',
        SECRET,
        '--allow-anonymous',
        '--max-connections',
        String(2 * cores),
        '--log-level',
        'warn',
      ],
      startTimeoutMs: 40_000,
    });
    const readers: EventReader[] = [];
    try {
      assert.match(hub.output(), new RegExp(`${cores} workers`));
      assert.equal(workers(await metricsText(hub.origin)).size, cores);
      const endpoint = `${hub.origin}/.well-known/mercure`;
      let refused = 0;
      for (let i = 0; i < 2 * cores + 4; i++) {
        const reader = await subscribe(endpoint, [TOPIC]);
        readers.push(reader);
        if (reader.response.status === 503) refused++;
        else assert.equal(reader.response.status, 200);
      }
      const text = await metricsText(hub.origin);
      const admitted = [...workers(text).values()];
      assert.ok(
        admitted.every((w) => w.subscribers <= 2),
        `each worker admits its share: ${JSON.stringify(admitted)}`,
      );
      assert.ok(refused >= 4, `the hub admits at most --max-connections (${refused} refused)`);
      const publisher = await token({ publish: ['*'] });
      for (let i = 1; i <= 3; i++) await publishFresh(hub.origin, `n${i}`, publisher);
      assert.equal(sample(await metricsText(hub.origin), 'hotline_history_size'), 3, 'one log, not a sum per worker');
    } finally {
      for (const reader of readers) reader.close();
      await terminate(hub);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('Redis Streams log: each worker follows the engine; every update once and in order on both', {
    skip: redisSkip,
  }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hotline-workers-'));
    const name = `hotline-workers-${process.pid}-${Date.now()}`;
    const hub = await startWorkers(dataDir, ['--log', `${REDIS_URL}/?name=${name}`]).catch(
      (error: unknown) => error as Error,
    );
    try {
      if (hub instanceof Error) throw hub;
      assert.match(hub.output(), /log: redis, 2 workers/);
      await broadcastAcrossWorkers(hub, 8, 20);
    } finally {
      if (!(hub instanceof Error)) await terminate(hub);
      await deleteRedisLog(REDIS_URL, name);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('NATS JetStream log: each worker follows the engine; every update once and in order on both', {
    skip: natsSkip,
  }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hotline-workers-'));
    const name = `hotline_workers_${process.pid}_${Date.now()}`;
    const hub = await startWorkers(dataDir, ['--log', `${NATS_URL}/?name=${name}`]).catch(
      (error: unknown) => error as Error,
    );
    try {
      if (hub instanceof Error) throw hub;
      assert.match(hub.output(), /log: nats, 2 workers/);
      await broadcastAcrossWorkers(hub, 8, 20);
    } finally {
      if (!(hub instanceof Error)) await terminate(hub);
      await deleteNatsLog(NATS_URL, name);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
