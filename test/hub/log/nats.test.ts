import { createNatsLog } from '../../../src/hub/log/nats.js';
import { NATS_URL, reachable, skipUnless } from '../../fixtures/services.js';
import { eventLogContract } from './contract.js';

const skip = skipUnless(await reachable(NATS_URL), `NATS JetStream at ${NATS_URL}`);
/** Stream names allow only [A-Za-z0-9_-]; the contract's storage names are made of those already. */
const streamName = (name: string) => `hotline_test_${name}`;

eventLogContract(
  'nats',
  {
    open: (name, retention) => createNatsLog(NATS_URL, { ...retention, stream: streamName(name) }),
    async destroy(name) {
      const { connect } = await import('@nats-io/transport-node');
      const { jetstreamManager } = await import('@nats-io/jetstream');
      const nc = await connect({ servers: NATS_URL });
      const jsm = await jetstreamManager(nc);
      await jsm.streams.delete(streamName(name)).catch(() => undefined);
      await nc.close();
    },
  },
  { durable: true, shared: true, skip },
);
