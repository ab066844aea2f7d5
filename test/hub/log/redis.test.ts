import { randomUUID } from 'node:crypto';
import { createRedisLog } from '../../../src/hub/log/redis.js';
import { REDIS_URL, reachable, skipUnless } from '../../fixtures/services.js';
import { eventLogContract } from './contract.js';

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
