/**
 * The CLI side of Mercure 1.0 authorization, as users run it: `hotline serve --jwt-audience --jwt-issuer`
 * and `hotline token --at-jwt`, each in its own process.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { runCli } from '../../fixtures/cli-process.js';
import { SECRET } from '../../fixtures/hub.js';
import { startHubProcess } from '../../fixtures/hub-process.js';

const AUDIENCE = 'https://hub.example.com/.well-known/mercure';

async function mint(args: string[]): Promise<string> {
  const run = await runCli(['token', '--secret', SECRET, ...args]);
  assert.equal(run.code, 0, run.stderr);
  return run.stdout.trim();
}

test('hotline token --at-jwt mints an RFC 9068 access token with one mercure detail per action', async () => {
  // spec(Mercure 1.0 §Authorization): "The access token MUST be a JWT [RFC7519] following the JWT access
  // token profile [RFC9068], carried as a JWS [RFC7515] in compact serialization."
  const jwt = await mint([
    '--at-jwt',
    '--aud',
    AUDIENCE,
    '--iss',
    'https://auth.example.com',
    '--subject',
    'urn:user:1',
    '--publish',
    'https://example.com/a',
    '--subscribe-url-pattern',
    'https://example.com/books/:id',
    '--payload',
    '{"tenant":"acme"}',
  ]);
  assert.deepEqual(decodeProtectedHeader(jwt), { alg: 'HS256', typ: 'at+jwt' });
  const claims = decodeJwt(jwt);
  assert.equal(claims.aud, AUDIENCE);
  assert.equal(claims.iss, 'https://auth.example.com');
  assert.equal(claims.sub, 'urn:user:1');
  assert.ok(typeof claims.jti === 'string' && typeof claims.iat === 'number');
  assert.equal((claims.exp as number) - (claims.iat as number), 3600);
  assert.deepEqual(claims.authorization_details, [
    { type: 'mercure', actions: ['publish'], topics: [{ matchType: 'Exact', match: 'https://example.com/a' }] },
    {
      type: 'mercure',
      actions: ['subscribe'],
      topics: [{ matchType: 'URLPattern', match: 'https://example.com/books/:id' }],
      payload: { tenant: 'acme' },
    },
  ]);
});

test('hotline token refuses what would make an unusable access token, with exit code 2', async () => {
  // spec(Mercure 1.0 §Token Validation): "Hubs MUST enforce the `exp` claim"; spec(Mercure 1.0
  // §Authorization Details): "MAY have a `payload` property (a JSON object)".
  for (const [args, message] of [
    [['--at-jwt', '--publish', '*'], /--aud/],
    [['--at-jwt', '--aud', AUDIENCE, '--publish', '*', '--ttl-seconds', '0'], /must expire/],
    [['--at-jwt', '--aud', AUDIENCE, '--subscribe', '/a', '--payload', '[1]'], /JSON object/],
    [['--aud', AUDIENCE, '--publish', '*'], /--aud needs --at-jwt/],
  ] as const) {
    const run = await runCli(['token', '--secret', SECRET, ...args]);
    assert.equal(run.code, 2, args.join(' '));
    assert.match(run.stderr, message);
  }
});

test('hotline serve --jwt-audience --jwt-issuer: CLI-minted access tokens publish and read, others are refused', async () => {
  // spec(Mercure 1.0 §Token Validation): "Hubs MUST be configured with their resource identifier"; "When the
  // hub advertises one or more authorization servers […], it MUST verify that the `iss` claim is the issuer
  // identifier of one of them".
  const dataDir = mkdtempSync(join(tmpdir(), 'hotline-auth-cli-'));
  const hub = await startHubProcess({
    dataDir,
    args: [
      '--jwt-secret',
      SECRET,
      '--jwt-audience',
      AUDIENCE,
      '--jwt-issuer',
      'https://a.example,https://b.example',
      '--log',
      'memory',
    ],
  });
  try {
    const endpoint = `${hub.origin}/.well-known/mercure`;
    const metadata = (await (
      await fetch(`${hub.origin}/.well-known/oauth-protected-resource/.well-known/mercure`)
    ).json()) as Record<string, unknown>;
    assert.equal(metadata.resource, AUDIENCE);
    assert.deepEqual(metadata.authorization_servers, ['https://a.example', 'https://b.example']);

    const publisher = await mint(['--at-jwt', '--aud', AUDIENCE, '--iss', 'https://b.example', '--publish', '/cli']);
    const published = await fetch(endpoint, {
      method: 'POST',
      headers: { Authorization: `Bearer ${publisher}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'topic=/cli&data=hello',
    });
    assert.equal(published.status, 200, await published.clone().text());

    const strangers = await mint(['--at-jwt', '--aud', AUDIENCE, '--iss', 'https://c.example', '--publish', '/cli']);
    const refused = await fetch(endpoint, {
      method: 'POST',
      headers: { Authorization: `Bearer ${strangers}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'topic=/cli&data=hello',
    });
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token", resource_metadata=/);
  } finally {
    if (hub.child.exitCode === null) {
      const exited = new Promise((resolve) => hub.child.once('exit', resolve));
      hub.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('[NON-SPEC] hotline serve --dev --jwt-audience prints an access token the hub accepts', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hotline-auth-dev-'));
  const hub = await startHubProcess({
    dataDir,
    args: ['--dev', '--jwt-audience', AUDIENCE, '--no-demo', '--log', 'memory', '--log-level', 'warn'],
  });
  try {
    const deadline = Date.now() + 10_000;
    let match: RegExpExecArray | null = null;
    while (match === null && Date.now() < deadline) {
      match = /access token \(Mercure 1\.0, 24 h\): (\S+)/.exec(hub.output());
      if (match === null) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(match !== null, `no access token printed: ${hub.output()}`);
    const jwt = match[1] as string;
    assert.equal(decodeProtectedHeader(jwt).typ, 'at+jwt');
    const published = await fetch(`${hub.origin}/.well-known/mercure`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${jwt}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'topic=/dev&data=hello',
    });
    assert.equal(published.status, 200, await published.clone().text());
  } finally {
    if (hub.child.exitCode === null) {
      const exited = new Promise((resolve) => hub.child.once('exit', resolve));
      hub.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('hotline serve refuses a --jwt-audience that is not an absolute http(s) URL, with exit code 2', async () => {
  // spec(RFC 9728 §2): `resource` is "The protected resource's resource identifier, which is a URL that
  // uses the https scheme and has no fragment component."
  const run = await runCli(['serve', '--jwt-audience', 'hub.example.com', '--log', 'memory', '--port', '0']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /--jwt-audience/);
});
