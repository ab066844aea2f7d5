import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LoadResult } from '../../src/cli/bench/index.js';
import { type CliRun, runCli } from '../fixtures/cli-process.js';
import { hubForSuite } from '../fixtures/hub.js';

/** Runs `hotline bench`, compiled (what users run; the workers fork as .js) or from the sources under tsx. */
function hotline(from: 'compiled' | 'source', args: string[]): Promise<CliRun> {
  return runCli(['bench', ...args], { from, env: { HOTLINE_TOKEN: '' } });
}

describe('hotline bench', () => {
  const suite = hubForSuite({ allowAnonymous: true, heartbeatMs: 0 });

  test('100 subscribers in 2 workers get every one of 20 updates, reported as JSON with progress on stderr', async () => {
    const { running, publisher } = suite;
    const { code, stdout, stderr } = await hotline('compiled', [
      running.endpoint,
      '--subscribers',
      '100',
      '--workers',
      '2',
      '--count',
      '20',
      '--in-flight',
      '2',
      '--topic',
      '/bench/cli',
      '--token',
      publisher,
    ]);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout) as LoadResult;
    assert.equal(result.subscribers.connected, 100);
    assert.equal(result.publish?.sent, 20);
    assert.equal(result.frames.received, 100 * 20);
    assert.equal(result.frames.lost, 0);
    assert.ok(result.latency.samples > 0);
    assert.match(stderr, /\[#{30}\] 100% done/);
    assert.match(stderr, /100\/100 subscribers connected, 2000\/2000 frames, 0 lost/);
  });

  test('from the sources too; publishing without a token is a usage error, --count 0 only connects', async () => {
    const refused = await hotline('source', [suite.running.endpoint, '--count', '5']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--token/);
    const idle = await hotline('source', [suite.running.endpoint, '-n', '10', '--count', '0']);
    assert.equal(idle.code, 0, idle.stderr);
    const result = JSON.parse(idle.stdout) as LoadResult;
    assert.equal(result.subscribers.connected, 10);
    assert.equal(result.publish, undefined);
  });
});

describe('hotline bench --reconnect', () => {
  // Closes a reader whose socket takes nothing for half a second; the budget fits any replay.
  const suite = hubForSuite({ allowAnonymous: true, heartbeatMs: 0, writeTimeoutMs: 500, maxBufferedBytes: 2 ** 26 });

  test('subscribers the hub closes resume with Last-Event-ID: all counted, none lost, no duplicates', async () => {
    const { running, publisher } = suite;
    const { code, stdout, stderr } = await hotline('compiled', [
      running.endpoint,
      ...['-n', '3', '--count', '2500', '--in-flight', '4', '--payload-bytes', '4096', '--topic', '/bench/resume'],
      ...['--reconnect', '--stall-ms', '1500', '--idle-timeout-ms', '5000', '--token', publisher],
    ]);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout) as LoadResult;
    assert.ok((result.reconnects?.resumed ?? 0) >= 3, JSON.stringify(result.reconnects));
    assert.equal(result.frames.received, 3 * 2500);
    assert.equal(result.frames.lost, 0);
    assert.equal(result.frames.duplicates, 0);
    const bad = await hotline('source', [running.endpoint, '--stall-ms', 'soon', '--count', '0']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--stall-ms must be a non-negative integer/);
  });
});
