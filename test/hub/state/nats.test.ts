import { createNatsLog } from '../../../src/hub/log/nats.js';
import { NATS_URL, reachable, skipUnless } from '../../fixtures/services.js';
import { stateOnSubscribeSuite } from './state-suite.js';

const stream = `hotline_state_test_${process.pid}_${Date.now()}`;
stateOnSubscribeSuite({
  name: 'nats',
  open: () => createNatsLog(NATS_URL, { stream }),
  destroy: async () => {
    const { connect } = await import('@nats-io/transport-node');
    const { jetstreamManager } = await import('@nats-io/jetstream');
    const nc = await connect({ servers: NATS_URL });
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
    await nc.close();
  },
  shared: true,
  skip: skipUnless(await reachable(NATS_URL), `NATS JetStream at ${NATS_URL}`),
});
