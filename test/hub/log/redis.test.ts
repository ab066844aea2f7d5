import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createRedisLog } from '../../../src/hub/log/redis.js';
import type { StoredUpdate } from '../../../src/hub/update.js';
import { REDIS_URL, reachable, skipUnless, twoHubsOnOneLog } from '../../fixtures/services.js';
import { eventLogContract, update } from './contract.js';

const execFileAsync = promisify(execFile);
const run = `hotline-test-${randomUUID()}`;
async function deleteKeys(prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL);
  await redis.del(`{${prefix}}:stream`, `{${prefix}}:seq`, `{${prefix}}:ids`);
  await redis.quit();
}

const skip = skipUnless(await reachable(REDIS_URL), `Redis at ${REDIS_URL}`);

eventLogContract(
  'redis',
  {
    open: (name, retention) => createRedisLog(REDIS_URL, { ...retention, prefix: `${run}:${name}` }),
    destroy: (name) => deleteKeys(`${run}:${name}`),
  },
  { durable: true, shared: true, skip },
);

test('the engine clients load only when a Redis or NATS log is opened', async () => {
  // A child process, because this one has loaded ioredis for the contract suite already.
  const script = `
    import { createRequire } from 'node:module';
    const require = createRequire(import.meta.url);
    const loaded = () => Object.keys(require.cache).filter((k) => /node_modules\\/(ioredis|@nats-io)\\//.test(k)).length;
    await import('./src/hub/log/redis.ts');
    await import('./src/hub/log/nats.ts');
    const { createMemoryLog } = await import('./src/hub/log/memory.ts');
    await createMemoryLog().append({ id: 'a', topics: ['t'], data: '', private: false, publishedAt: Date.now() });
    console.log(loaded());
  `;
  const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('../../../', import.meta.url)),
  });
  assert.equal(stdout.trim(), '0');
});

test('a malformed stream entry is reported and skipped by followers, and read as a typed error', { skip }, async () => {
  const { Redis } = await import('ioredis');
  const admin = new Redis(REDIS_URL);
  const prefix = `${run}:malformed`;
  const log = await createRedisLog(REDIS_URL, { prefix });
  try {
    const first = await log.append(update());
    // Someone else writes into the stream by hand, bypassing the append script.
    const position = await admin.incr(`{${prefix}}:seq`);
    await admin.xadd(`{${prefix}}:stream`, `0-${position}`, 'i', 'x', 't', '0', 'u', '{not json');
    const third = await log.append(update());
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    const seen: StoredUpdate[] = [];
    const follower = log.follow(0, (u) => seen.push(u));
    while (seen.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    follower.close();
    process.off('warning', onWarning);
    assert.deepEqual(seen, [first, third]);
    assert.match(warnings.join('\n'), new RegExp(`position ${position}: .*malformed`));
    await assert.rejects(log.readAfter(first.position, 10), { code: 'HOTLINE_HUB_STORAGE_UNAVAILABLE' });
  } finally {
    await log.close();
    await admin.quit();
    await deleteKeys(prefix);
  }
});

test('two hub nodes on one Redis log: a publish to either reaches subscribers of both, and Last-Event-ID resumes across nodes', {
  skip,
}, async () => {
  const prefix = `${run}:two-hubs`;
  try {
    await twoHubsOnOneLog(() => createRedisLog(REDIS_URL, { prefix }));
  } finally {
    await deleteKeys(prefix);
  }
});
