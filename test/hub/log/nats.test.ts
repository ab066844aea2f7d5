import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FollowerErrorContext } from '../../../src/hub/log/event-log.js';
import { createNatsLog } from '../../../src/hub/log/nats.js';
import type { StoredUpdate } from '../../../src/hub/update.js';
import { NATS_URL, reachable, skipUnless, twoHubsOnOneLog } from '../../fixtures/services.js';
import { eventLogContract, update } from './contract.js';

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

test('a malformed message on the stream is reported to onFollowerError and skipped; the follower goes on', {
  skip,
}, async () => {
  const stream = streamName(`malformed_${process.pid}_${Date.now()}`);
  const reports: FollowerErrorContext[] = [];
  const log = await createNatsLog(NATS_URL, { stream, onFollowerError: (_error, context) => reports.push(context) });
  const { connect } = await import('@nats-io/transport-node');
  const { jetstream } = await import('@nats-io/jetstream');
  const nc = await connect({ servers: NATS_URL });
  try {
    const first = await log.append(update());
    // Someone else publishes on the stream's subjects, bypassing the log.
    const { seq } = await jetstream(nc).publish(`${stream}.id.foreign`, new TextEncoder().encode('{not json'));
    const third = await log.append(update());
    const seen: StoredUpdate[] = [];
    const follower = log.follow(0, (u) => seen.push(u));
    while (seen.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    follower.close();
    assert.deepEqual(seen, [first, third]);
    assert.deepEqual(reports, [{ log: 'nats', position: seq, source: 'entry' }]);
  } finally {
    await nc.close();
    await log.close();
    await deleteStream(stream);
  }
});
