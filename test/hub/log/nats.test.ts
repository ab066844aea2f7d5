import { test } from 'node:test';
import { createNatsLog } from '../../../src/hub/log/nats.js';
import { NATS_URL, reachable, skipUnless, twoHubsOnOneLog } from '../../fixtures/services.js';
import { eventLogContract } from './contract.js';

const skip = skipUnless(await reachable(NATS_URL), `NATS JetStream at ${NATS_URL}`);
/** Stream names allow only [A-Za-z0-9_-]; the contract's storage names are made of those already. */
const streamName = (name: string) => `hotline_test_${name}`;

async function deleteStream(stream: string): Promise<void> {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const nc = await connect({ servers: NATS_URL });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(stream).catch(() => undefined);
  await nc.close();
}

eventLogContract(
  'nats',
  {
    open: (name, retention) => createNatsLog(NATS_URL, { ...retention, stream: streamName(name) }),
    destroy: (name) => deleteStream(streamName(name)),
  },
  { durable: true, shared: true, skip },
);

test('two hub nodes on one NATS log: a publish to either reaches subscribers of both, and Last-Event-ID resumes across nodes', {
  skip,
}, async () => {
  const stream = streamName(`two_hubs_${process.pid}_${Date.now()}`);
  try {
    await twoHubsOnOneLog(() => createNatsLog(NATS_URL, { stream }));
  } finally {
    await deleteStream(stream);
  }
});
