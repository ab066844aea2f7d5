import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { ensureNchan, NCHAN_MODULE, startNchan } from '../../bench/peers/nchan.js';
import { runLoad } from '../../src/cli/bench/run-load.js';

/** Installs nginx + nchan when possible; returns why not otherwise (a failure under CI=true). */
async function nchanAvailable(): Promise<string | undefined> {
  if (existsSync(NCHAN_MODULE) && existsSync('/usr/sbin/nginx')) return undefined;
  if (!existsSync('/usr/bin/apt-get')) return 'apt-get is not available to install nginx + libnginx-mod-nchan';
  try {
    await ensureNchan();
    return undefined;
  } catch (error) {
    return `scripts/install-nchan.sh failed: ${(error as Error).message}`;
  }
}

const missing = await nchanAvailable();
if (missing && process.env.CI === 'true') throw new Error(`nchan is required under CI=true: ${missing}`);

test('nchan peer: every publish reaches every subscriber, worker process measured', { skip: missing }, async () => {
  const peer = await startNchan();
  try {
    const { port } = new URL(peer.url);
    const result = await runLoad({
      subscribe: { host: '127.0.0.1', port: Number(port), path: '/sub/bench' },
      subscribers: 200,
      workers: 2,
      publish: { shape: { kind: 'nchan', channel: 'bench' }, count: 40, inFlight: 2 },
      serverPid: peer.pid,
    });
    assert.equal(result.subscribers.connected, 200);
    assert.equal(result.frames.received, 200 * 40);
    assert.equal(result.frames.lost, 0);
    // A stamp split across two reads is skipped, so a few samples may be missing.
    assert.ok(result.latency.samples >= 0.9 * 200 * 40 && result.latency.samples <= 200 * 40);
    assert.ok(result.server && result.server.rssIdleBytes > 0);
  } finally {
    await peer.stop();
  }
  assert.equal(existsSync(peer.dir), false, 'the temp dir is removed on stop');
});

test('nchan with worker_processes 2: both workers measured, RSS and CPU summed, nothing lost, resumable', {
  skip: missing,
}, async () => {
  const peer = await startNchan(2);
  try {
    assert.equal(peer.pids?.length, 2);
    assert.equal(peer.pid, peer.pids?.[0]);
    const { port } = new URL(peer.url);
    const result = await runLoad({
      subscribe: { host: '127.0.0.1', port: Number(port), path: '/sub/bench2' },
      subscribers: 200,
      workers: 2,
      // Reconnecting mode reads nchan's ids and the payloads' sequence numbers: nothing is a duplicate.
      reconnect: true,
      publish: { shape: { kind: 'nchan', channel: 'bench2' }, count: 40, inFlight: 2 },
      serverPids: peer.pids!,
    });
    assert.equal(result.subscribers.connected, 200);
    assert.equal(result.frames.received, 200 * 40);
    assert.equal(result.frames.lost, 0);
    assert.equal(result.frames.duplicates, 0);
    assert.deepEqual(result.server?.pids, peer.pids);
    assert.ok(result.server && result.server.rssIdleBytes > 0 && result.server.cpuSeconds >= 0);
  } finally {
    await peer.stop();
  }
});
