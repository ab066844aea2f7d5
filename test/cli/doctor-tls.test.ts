import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:https';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { describe, test } from 'node:test';
import { diagnose, formatDiagnosis } from '../../src/cli/doctor.js';
import { createHub, type Hub } from '../../src/hub/hub.js';
import type { HubOptions } from '../../src/hub/options.js';
import { runCli } from '../fixtures/cli-process.js';
import { SECRET } from '../fixtures/hub.js';
import { selfSignedCertificate, type TestCertificate } from '../fixtures/tls.js';

/** An HTTPS hub with `cert`, run for the duration of `use`. */
async function withSecureHub<T>(
  cert: TestCertificate,
  options: HubOptions,
  use: (endpoint: string, hub: Hub) => Promise<T>,
): Promise<T> {
  const hub = await createHub({ publisherKey: { secret: SECRET }, allowAnonymous: true, ...options });
  try {
    const { port } = await hub.listen(0, '127.0.0.1', { tls: cert });
    return await use(`https://localhost:${port}/.well-known/mercure?topic=/doctor`, hub);
  } finally {
    await hub.close();
  }
}

describe('hotline doctor over HTTPS', () => {
  test('a self-signed hub: HTTP/2 by ALPN, no buffering, and the untrusted certificate is the problem', async () => {
    const cert = selfSignedCertificate('doctor-test');
    try {
      const d = await withSecureHub(cert, {}, (endpoint) => diagnose(endpoint, { watchMs: 1200 }));
      assert.equal(d.httpVersion, '2');
      assert.equal(d.tls?.alpn, 'h2');
      assert.equal(d.tls?.trusted, false);
      assert.equal(d.tls?.trustError, 'DEPTH_ZERO_SELF_SIGNED_CERT');
      assert.equal(d.tls?.subject, 'doctor-test');
      assert.equal(d.buffering, 'none');
      assert.equal(d.heartbeatMs, 15_000);
      assert.deepEqual(d.problems, [
        'the certificate is not trusted (DEPTH_ZERO_SELF_SIGNED_CERT): browsers refuse the connection',
      ]);
      assert.match(formatDiagnosis(d), /tls {15}TLSv1\.3, ALPN h2, NOT trusted/);
    } finally {
      cert.remove();
    }
  });

  test('with --ca the same hub is clean, and the certificate expiry is reported', async () => {
    const cert = selfSignedCertificate('doctor-test', 30);
    try {
      const d = await withSecureHub(cert, {}, (endpoint) =>
        diagnose(endpoint, { watchMs: 1200, trust: { ca: cert.cert } }),
      );
      assert.equal(d.tls?.trusted, true);
      assert.ok(d.tls?.daysLeft === 29 || d.tls?.daysLeft === 30, String(d.tls?.daysLeft));
      assert.deepEqual(d.problems, []);
      assert.ok(!d.advice.some((a) => /expires in/.test(a)));
      assert.match(
        formatDiagnosis(d),
        /certificate {7}doctor-test by doctor-test, expires \d{4}-\d\d-\d\d \(\d+ days\)/,
      );
    } finally {
      cert.remove();
    }
  });

  test('a certificate about to expire gets advice; a stream without heartbeats gets the proxy timeout advice', async () => {
    const cert = selfSignedCertificate('doctor-test', 1);
    try {
      const d = await withSecureHub(cert, { heartbeatMs: 0 }, (endpoint) =>
        diagnose(endpoint, { watchMs: 800, trust: { ca: cert.cert } }),
      );
      assert.equal(d.heartbeatMs, 0);
      assert.ok(
        d.advice.some((a) => /The certificate expires in [01] days?/.test(a)),
        d.advice.join('\n'),
      );
      assert.ok(
        d.advice.some((a) => /no heartbeats.*proxy_read_timeout/.test(a)),
        d.advice.join('\n'),
      );
    } finally {
      cert.remove();
    }
  });

  test('HTTPS without HTTP/2 is called out with the settings that turn it on', async () => {
    const cert = selfSignedCertificate();
    const server = createServer({ cert: cert.cert, key: cert.key }, (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      res.write(': ok\n\n');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const d = await diagnose(`https://localhost:${port}/`, { watchMs: 500, trust: { ca: cert.cert } });
      assert.equal(d.httpVersion, '1.1');
      assert.equal(d.tls?.alpn, 'http/1.1');
      assert.ok(
        d.advice.some((a) => /HTTPS without HTTP\/2.*listen 443 ssl http2/.test(a)),
        d.advice.join('\n'),
      );
    } finally {
      server.closeAllConnections();
      server.close();
      cert.remove();
    }
  });

  test('a peer that never answers the TLS handshake is one line after the watch, not a hang', async () => {
    const silent = createNetServer(() => {}); // accepts, then says nothing
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    try {
      const { port } = silent.address() as AddressInfo;
      const result = await runCli(['doctor', `https://127.0.0.1:${port}/`, '--watch-ms', '500']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /cannot reach https:\/\/127\.0\.0\.1:\d+\/ \(ETIMEDOUT\)/);
    } finally {
      silent.close();
    }
  });

  test('hotline doctor --ca exits 0 on a clean HTTPS hub, 1 without it', async () => {
    const cert = selfSignedCertificate();
    try {
      await withSecureHub(cert, {}, async (endpoint) => {
        const trusted = await runCli(['doctor', endpoint, '--ca', cert.certPath, '--watch-ms', '1000']);
        assert.equal(trusted.code, 0, trusted.stdout + trusted.stderr);
        assert.match(trusted.stdout, /status {12}200 \(HTTP\/2\)/);
        const untrusted = await runCli(['doctor', endpoint, '--watch-ms', '1000']);
        assert.equal(untrusted.code, 1);
        assert.match(untrusted.stdout, /the certificate is not trusted/);
      });
    } finally {
      cert.remove();
    }
  });
});
