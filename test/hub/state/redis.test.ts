import { randomUUID } from 'node:crypto';
import { createRedisLog } from '../../../src/hub/log/redis.js';
import { REDIS_URL, reachable, skipUnless } from '../../fixtures/services.js';
import { stateOnSubscribeSuite } from './state-suite.js';

const prefix = `hotline-state-test-${randomUUID()}`;
stateOnSubscribeSuite({
  name: 'redis',
  open: () => createRedisLog(REDIS_URL, { prefix }),
  destroy: async () => {
    const { Redis } = await import('ioredis');
    const redis = new Redis(REDIS_URL);
    await redis.del(`{${prefix}}:stream`, `{${prefix}}:seq`, `{${prefix}}:ids`);
    await redis.quit();
  },
  shared: true,
  skip: skipUnless(await reachable(REDIS_URL), `Redis at ${REDIS_URL}`),
});
