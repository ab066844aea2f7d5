/**
 * The nginx and Caddy configurations of docs/deploy.md, as written there (only the name, ports and
 * certificate paths replaced), in front of a real hub, checked by `hotline doctor`.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { freePort } from '../../bench/peers/peer.js';
import { type Diagnosis, diagnose, formatDiagnosis } from '../../src/cli/doctor.js';
import type { HubOptions } from '../../src/hub/options.js';
import { startHub } from '../fixtures/hub.js';
import { nginxSkipReason } from '../fixtures/nginx.js';
import { selfSignedCertificate, type TestCertificate } from '../fixtures/tls.js';

const DEPLOY_MD = readFileSync(new URL('../../docs/deploy.md', import.meta.url), 'utf8');
const CADDY = '/usr/bin/caddy';
const INSTALL_CADDY = new URL('../../scripts/install-caddy.sh', import.meta.url).pathname;

/** The one fenced block of `language` in docs/deploy.md. */
function documented(language: string): string {
  const blocks = [...DEPLOY_MD.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))];
  assert.equal(blocks.length, 1, `docs/deploy.md has one ${language} block`);
  return blocks[0]![1]!;
}

/** Why the Caddy test cannot run (after trying to install it), or `false`; under CI a failure instead. */
function caddySkipReason(): string | false {
  if (existsSync(CADDY)) return false;
  try {
    execFileSync('bash', [INSTALL_CADDY], { stdio: 'ignore', timeout: 300_000 });
    return false;
  } catch (error) {
    const reason = `caddy is not installed and scripts/install-caddy.sh failed (${(error as Error).message})`;
    if (process.env.CI === 'true') throw new Error(`${reason}; it is required under CI`);
    return reason;
  }
}

/** Resolves once `port` accepts a TCP connection; rejects when `alive()` turns false or after 10 s. */
async function acceptsConnections(port: number, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const socket = new Socket();
    const ok = await new Promise<boolean>((resolve) => {
      socket.once('connect', () => resolve(true));
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1');
    });
    socket.destroy();
    if (ok) return;
    if (!alive() || Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Proxy {
  readonly port: number;
  stop(): Promise<void>;
}

async function run(command: string, args: string[], env: NodeJS.ProcessEnv, port: number, dir: string): Promise<Proxy> {
  const child: ChildProcess = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await acceptsConnections(port, () => child.exitCode === null);
  } catch (error) {
    await stop();
    throw new Error(`${command} did not start: ${stderr}`, { cause: error });
  }
  return { port, stop };
}

/** docs/deploy.md's nginx server block (with `replace` applied) inside a minimal foreground nginx.conf. */
async function startDocumentedNginx(
  upstreamPort: number,
  cert: TestCertificate,
  replace: (config: string) => string = (config) => config,
): Promise<Proxy> {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-deploy-nginx-'));
  const port = await freePort();
  const site = replace(documented('nginx'))
    .replace(/ssl_certificate (\S+);/, `ssl_certificate ${cert.certPath};`)
    .replace(/ssl_certificate_key (\S+);/, `ssl_certificate_key ${cert.keyPath};`)
    .replace(/^(\s*)listen 443 /m, `$1listen 127.0.0.1:${port} `)
    .replace('127.0.0.1:3000', `127.0.0.1:${upstreamPort}`)
    .replaceAll('hub.example.com', 'localhost');
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `${k}_temp_path ${dir}/${k};`);
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;\nmaster_process off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\n` +
      `events { worker_connections 64; }\nhttp {\naccess_log off;\n${temp.join('\n')}\n${site}\n}\n`,
  );
  return run(
    '/usr/sbin/nginx',
    ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')],
    process.env,
    port,
    dir,
  );
}

/** docs/deploy.md's Caddyfile for `localhost` on a free port, with the test certificate. */
async function startDocumentedCaddy(upstreamPort: number, cert: TestCertificate): Promise<Proxy> {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-deploy-caddy-'));
  const port = await freePort();
  const httpPort = await freePort();
  const site = documented('caddyfile')
    .replace('hub.example.com {', `https://localhost:${port} {\n\ttls ${cert.certPath} ${cert.keyPath}`)
    .replace('127.0.0.1:3000', `127.0.0.1:${upstreamPort}`);
  // Test-only globals: no admin endpoint, no redirect listener on :80, state kept in the temp dir.
  const globals = `{\n\tadmin off\n\thttp_port ${httpPort}\n\tauto_https disable_redirects\n\tstorage file_system ${dir}/data\n}\n`;
  writeFileSync(join(dir, 'Caddyfile'), globals + site);
  const env = { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir };
  return run(CADDY, ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], env, port, dir);
}

/** A hub (heartbeats on, as `hotline serve` runs) behind `start`'s proxy, diagnosed over HTTPS. */
async function diagnoseBehind(
  start: (upstreamPort: number, cert: TestCertificate) => Promise<Proxy>,
  hubOptions: HubOptions = {},
  watchMs = 1500,
): Promise<Diagnosis> {
  const cert = selfSignedCertificate();
  const running = await startHub({ allowAnonymous: true, heartbeatMs: 15_000, ...hubOptions });
  let proxy: Proxy | undefined;
  try {
    proxy = await start(Number(new URL(running.origin).port), cert);
    return await diagnose(`https://localhost:${proxy.port}/.well-known/mercure?topic=/deploy`, {
      watchMs,
      trust: { ca: cert.cert },
    });
  } finally {
    await proxy?.stop();
    await running.close();
    cert.remove();
  }
}

describe('docs/deploy.md nginx configuration, checked by hotline doctor', { skip: nginxSkipReason() }, () => {
  test('as documented: HTTP/2 to the client, trusted, no buffering, no problem', async () => {
    const d = await diagnoseBehind(startDocumentedNginx);
    assert.equal(d.httpVersion, '2');
    assert.equal(d.tls?.alpn, 'h2');
    assert.match(d.proxy ?? '', /^nginx/);
    assert.equal(d.buffering, 'none');
    assert.equal(d.heartbeatMs, 15_000);
    assert.deepEqual(d.problems, [], formatDiagnosis(d));
  });

  test('told to buffer, ignore X-Accel-Buffering and gzip on its own, the same config is caught', async () => {
    const d = await diagnoseBehind(
      (port, cert) =>
        startDocumentedNginx(port, cert, (config) =>
          config.replace(
            'proxy_buffering off;',
            'proxy_buffering on; proxy_ignore_headers X-Accel-Buffering; gzip on; gzip_types text/event-stream;',
          ),
        ),
      // nginx's gzip applies only to what the hub sends uncompressed, as in front of most apps.
      { compression: false },
    );
    assert.notEqual(d.buffering, 'none');
    assert.match(formatDiagnosis(d), /proxy_buffering off/);
  });

  test('with a read timeout shorter than the silence on a stream, doctor sees the stream cut', async () => {
    const d = await diagnoseBehind(
      (port, cert) =>
        startDocumentedNginx(port, cert, (config) =>
          config.replace('proxy_read_timeout 1h;', 'proxy_read_timeout 1s;'),
        ),
      { heartbeatMs: 0 },
      // Silent after the second probe (at 500 ms), cut by nginx 1 s later.
      3500,
    );
    assert.ok(
      d.problems.some((p) => /^the stream ended after \d+ ms/.test(p)),
      formatDiagnosis(d),
    );
    assert.match(formatDiagnosis(d), /proxy_read_timeout 1h/);
  });

  test('without http2 on the listen line, doctor says how to turn it on', async () => {
    const d = await diagnoseBehind((port, cert) =>
      startDocumentedNginx(port, cert, (config) => config.replace('listen 443 ssl http2;', 'listen 443 ssl;')),
    );
    assert.equal(d.httpVersion, '1.1');
    assert.ok(
      d.advice.some((a) => a.includes('listen 443 ssl http2;')),
      d.advice.join('\n'),
    );
  });
});

describe('docs/deploy.md Caddyfile, checked by hotline doctor', { skip: caddySkipReason() }, () => {
  test('as documented: HTTP/2 to the client, trusted, no buffering, no problem', async () => {
    const d = await diagnoseBehind(startDocumentedCaddy);
    assert.equal(d.httpVersion, '2');
    assert.match(d.proxy ?? '', /Caddy/);
    assert.equal(d.buffering, 'none');
    assert.deepEqual(d.problems, [], formatDiagnosis(d));
  });
});
