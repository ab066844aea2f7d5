import { createNatsLog } from '../../../src/hub/log/nats.js';
import { hasNatsServer, NATS_SERVER, SpawnedEngine, skipUnless } from '../../fixtures/services.js';
import { engineFaults } from './engine-faults.js';

engineFaults({
  name: 'NATS',
  skip: skipUnless(hasNatsServer(), `nats-server (${NATS_SERVER})`),
  spawn: () => SpawnedEngine.nats(),
  open: (url, stream) => createNatsLog(url, stream === undefined ? {} : { stream }),
  storage: 'JetStream file store',
});
