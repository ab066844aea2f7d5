import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LoadResult } from '../../src/cli/bench/index.js';
import { createHub, type Hub } from '../../src/hub/hub.js';
import { runCli } from '../fixtures/cli-process.js';
import { SECRET, token } from '../fixtures/hub.js';
import { selfSignedCertificate, type TestCertificate } from '../fixtures/tls.js';

describe('hotline bench against an HTTPS hub', () => {
  let cert: TestCertificate;
  let hub: Hub;
  let endpoint: string;
  before(async () => {
    cert = selfSignedCertificate();
    hub = await createHub({ publisherKey: { secret: SECRET }, allowAnonymous: true, heartbeatMs: 0 });
    const { port } = await hub.listen(0, '127.0.0.1', { tls: cert });
    endpoint = `https://localhost:${port}/.well-known/mercure`;
  });
  after(async () => {
    await hub?.close();
    cert?.remove();
  });

  test('with --ca, 20 subscribers get every one of 10 updates; without it, none connects', async () => {
    const args = [endpoint, '-n', '20', '--count', '10', '--topic', '/bench/tls', '--idle-timeout-ms', '1000'];
    const env = { HOTLINE_TOKEN: await token({ publish: ['*'] }) };
    const trusted = await runCli(['bench', ...args, '--ca', cert.certPath], { env });
    assert.equal(trusted.code, 0, trusted.stderr);
    const result = JSON.parse(trusted.stdout) as LoadResult;
    assert.equal(result.subscribers.connected, 20);
    assert.equal(result.publish?.sent, 10);
    assert.equal(result.frames.received, 200);
    assert.equal(result.frames.lost, 0);

    const untrusted = await runCli(['bench', ...args, '--count', '0'], { env });
    assert.equal(untrusted.code, 1);
    const refused = JSON.parse(untrusted.stdout) as LoadResult;
    assert.equal(refused.subscribers.connected, 0);
    assert.equal(refused.subscribers.failed, 20);
  });
});
