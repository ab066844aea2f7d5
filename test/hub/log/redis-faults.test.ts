import { createRedisLog } from '../../../src/hub/log/redis.js';
import { hasRedisServer, REDIS_SERVER, SpawnedEngine, skipUnless } from '../../fixtures/services.js';
import { engineFaults } from './engine-faults.js';

engineFaults({
  name: 'Redis',
  skip: skipUnless(hasRedisServer(), `redis-server (${REDIS_SERVER})`),
  spawn: () => SpawnedEngine.redis(),
  open: (url, prefix) => createRedisLog(url, prefix === undefined ? {} : { prefix }),
  storage: 'append-only file',
});
