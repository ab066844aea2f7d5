import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createRedisLog } from '../../../src/hub/log/redis.js';
import { REDIS_URL, reachable, skipUnless } from '../../fixtures/services.js';
import { eventLogContract } from './contract.js';

const execFileAsync = promisify(execFile);
const run = `hotline-test-${randomUUID()}`;
const skip = skipUnless(await reachable(REDIS_URL), `Redis at ${REDIS_URL}`);

eventLogContract(
  'redis',
  {
    open: (name, retention) => createRedisLog(REDIS_URL, { ...retention, prefix: `${run}:${name}` }),
    async destroy(name) {
      const { Redis } = await import('ioredis');
      const redis = new Redis(REDIS_URL);
      const tag = `{${run}:${name}}`;
      await redis.del(`${tag}:stream`, `${tag}:seq`, `${tag}:ids`);
      await redis.quit();
    },
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
