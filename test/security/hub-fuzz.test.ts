/**
 * Generated hostile input against a running hub: publish requests (headers, encodings, bodies, topics,
 * ids), JWTs (wrong alg, none, wrong key, expired, not yet valid, malformed, huge), and raw requests to
 * every route (any method, target, header and body). The hub must never answer 5xx, never crash, and
 * never accept an unauthorized publish.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { SignJWT, UnsecuredJWT } from 'jose';
import { createDashboard } from '../../src/hub/dashboard/index.js';
import { type RunningHub, SECRET, startHub, subscribe, token } from '../fixtures/hub.js';
import { rawExchange } from '../fixtures/raw-http.js';

function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: Uint8Array,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const key = new TextEncoder().encode(SECRET);
const now = () => Math.floor(Date.now() / 1000);

/** Tokens that must all be refused for publishing. */
const badToken = fc.oneof(
  fc.constant(new UnsecuredJWT({ mercure: { publish: ['*'] } }).encode()),
  fc.string({ maxLength: 200 }).filter((s) => !/[\r\n]/.test(s)),
  fc.constant('a'.repeat(64 * 1024)),
  fc.constantFrom('wrong-key', 'expired', 'future', 'no-claim', 'not-json').chain((kind) =>
    fc.constant(kind).map(async () => {
      const claims = { mercure: { publish: ['*'] } };
      if (kind === 'wrong-key')
        return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('x'.repeat(40)));
      if (kind === 'expired')
        return new SignJWT(claims)
          .setProtectedHeader({ alg: 'HS256' })
          .setExpirationTime(now() - 10)
          .sign(key);
      if (kind === 'future')
        return new SignJWT(claims)
          .setProtectedHeader({ alg: 'HS256' })
          .setNotBefore(now() + 3600)
          .sign(key);
      if (kind === 'no-claim') return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(key);
      return `${Buffer.from('{"alg":"HS256"').toString('base64url')}.e30.sig`;
    }),
  ),
);

describe('fuzzing the hub', () => {
  let running: RunningHub;
  let good: string;
  before(async () => {
    running = await startHub({ allowAnonymous: true, maxPublishBytes: 4096 });
    good = await token({ publish: ['/allowed/{x}'] });
  });
  after(() => running.close());

  test('generated publish requests never get a 5xx, and only valid ones are stored', async () => {
    const field = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom('', '%', '%ZZ', '%C3%28', '\r\n', 'a\0b', 'earliest', '#x'),
    );
    const bodyArb = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc
        .array(fc.tuple(fc.constantFrom('topic', 'data', 'id', 'type', 'retry', 'private', 'x', ''), field), {
          maxLength: 8,
        })
        .map((pairs) => new TextEncoder().encode(pairs.map(([k, v]) => `${k}=${v}`).join('&'))),
      fc.json().map((j) => new TextEncoder().encode(j)),
    );
    const contentType = fc.constantFrom(
      'application/x-www-form-urlencoded',
      'application/json',
      'text/plain',
      'multipart/form-data',
      '',
      'application/x-www-form-urlencoded; charset=latin1',
    );
    await fc.assert(
      fc.asyncProperty(bodyArb, contentType, fc.boolean(), async (body, type, authorized) => {
        const headers: Record<string, string> = { Accept: 'application/json' };
        if (type !== '') headers['Content-Type'] = type;
        if (authorized) headers.Authorization = `Bearer ${good}`;
        const before = await running.hub.log.size();
        const response = await send(running.endpoint, 'POST', headers, body);
        assert.ok(response.status < 500, `5xx for ${JSON.stringify(new TextDecoder().decode(body))}`);
        const stored = (await running.hub.log.size()) - before;
        if (response.status === 200) {
          assert.ok(authorized, 'an unauthenticated publish was accepted');
          assert.equal(stored, 1);
          const update = (await running.hub.log.last())!;
          assert.ok(
            update.topics.every((t) => /^\/allowed\/[^/]+$/.test(t)),
            `published outside the claim: ${update.topics}`,
          );
        } else {
          assert.equal(stored, 0, 'a refused publish stored something');
          assert.doesNotThrow(() => JSON.parse(response.body), 'every refusal has a JSON body');
        }
      }),
      { numRuns: 400 },
    );
  });

  test('generated bad tokens never publish and never crash the hub', async () => {
    await fc.assert(
      fc.asyncProperty(badToken, async (maybeToken) => {
        const bearer = await maybeToken;
        const response = await send(
          running.endpoint,
          'POST',
          {
            'Content-Type': 'application/x-www-form-urlencoded',
            Authorization: `Bearer ${bearer}`,
            Accept: 'application/json',
          },
          new TextEncoder().encode('topic=/allowed/1&data=x'),
        );
        assert.ok([400, 401, 403, 413, 431].includes(response.status), `status ${response.status}`);
      }),
      { numRuns: 150 },
    );
    const health = await fetch(`${running.origin}/healthz`);
    assert.equal(health.status, 200);
  });

  test('CR/LF injection in ids, types and topics never creates a second frame', async () => {
    const reader = await subscribe(running.endpoint, ['*']);
    const all = await token({ publish: ['*'] });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('id', 'type', 'topic', 'data'),
        fc.constantFrom('x\ndata: forged\n\n', 'x\r\nevent: forged', 'x\rid: forged', 'x\n\nid: forged\ndata: y\n'),
        async (name, payload) => {
          const fields = new URLSearchParams({ topic: '/inject', data: 'ok' });
          fields.set(name, payload);
          const response = await fetch(running.endpoint, {
            method: 'POST',
            headers: { Authorization: `Bearer ${all}` },
            body: fields,
          });
          await response.text();
          if (name === 'data' || name === 'topic') assert.equal(response.status, 200);
          else assert.equal(response.status, 400);
        },
      ),
      { numRuns: 40 },
    );
    const seen: { type: string; id: string; data: string }[] = [];
    for (;;) {
      const event = await reader.nothingWithin(300);
      if (event === undefined) break;
      seen.push({ type: event.type, id: event.lastEventId, data: event.data });
    }
    reader.close();
    assert.ok(seen.length > 0);
    for (const event of seen) {
      assert.notEqual(event.type, 'forged');
      assert.notEqual(event.id, 'forged');
      assert.ok(event.data === 'ok' || event.data.startsWith('x'), `unexpected frame ${JSON.stringify(event)}`);
    }
  });
});

/** Characters that break URL parsers: escapes, brackets, userinfo, ports, separators, and plain ones. */
const targetChar = fc.constantFrom(..."%zZ09afAF[]@:/?&=#.+;,!$'()*~-_ ".split(''), '%ED%A0%80', '%FF', '%', 'é');

const rawTarget = fc
  .tuple(
    fc.constantFrom(
      '/',
      '/.well-known/mercure',
      '/.well-known/mercure?topic=',
      '/.well-known/mercure/subscriptions/',
      '/dashboard/stream?authorization=',
      '/demo/session',
      '/demo/config',
      '/assets/',
      '/healthz',
      '/metrics',
      '*',
      'http://',
      'https://hub.test:99999',
      'http://[::1',
      '//',
    ),
    fc.array(targetChar, { maxLength: 30 }),
  )
  .map(([prefix, chars]) => prefix + chars.join(''));

const rawHeader = fc.tuple(
  fc.constantFrom(
    'Accept',
    'Authorization',
    'Cookie',
    'Last-Event-ID',
    'Origin',
    'Referer',
    'Content-Type',
    'Accept-Encoding',
    'X-Forwarded-For',
    'Access-Control-Request-Method',
    'Access-Control-Request-Headers',
    'Range',
    'Expect',
  ),
  fc.oneof(
    fc.string({ maxLength: 60 }).map((v) => v.replace(/[\r\n]/g, '')),
    fc.constantFrom(
      'Bearer ',
      'Bearer a.b.c',
      'Basic Zm9vOmJhcg==',
      'mercureAuthorization=%zz',
      'mercureAuthorization="',
      'text/event-stream',
      'application/json',
      'application/x-www-form-urlencoded',
      'gzip, br',
      'null',
      'http://[::1',
      '100-continue',
      'bytes=0-1',
      'earliest',
    ),
  ),
);

const rawBody = fc.oneof(
  fc.constant(new Uint8Array()),
  fc.uint8Array({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 80 }).map((text) => new TextEncoder().encode(text)),
  fc.nat({ max: 3000 }).map((depth) => new TextEncoder().encode(`{"topic":"/a","data":${'['.repeat(depth)}`)),
  fc
    .constantFrom('topic=/a&data=%ED%A0%80', '{"topic":"/a","data":"\\ud800"}', 'topic=%zz&data=%')
    .map((text) => new TextEncoder().encode(text)),
);

describe('fuzzing every route of the hub with raw requests', () => {
  let running: RunningHub;
  before(async () => {
    running = await startHub({
      allowAnonymous: true,
      subscriptionsApi: true,
      maxPublishBytes: 4096,
      extension: (host) => createDashboard(host),
    });
  });
  after(() => running.close());

  test('any method, target, headers and body get a status below 500 (4xx with a body), and the hub stays up', async () => {
    const all = await token({ publish: ['*'], subscribe: ['*'] });
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'BREW', 'CONNECT');
    const credential = fc.constantFrom('none', 'header', 'cookie', 'query');
    await fc.assert(
      fc.asyncProperty(
        method,
        rawTarget,
        fc.array(rawHeader, { maxLength: 5 }),
        rawBody,
        credential,
        async (verb, target, headers, body, via) => {
          let path = target;
          const lines = ['Host: hub.test', 'Connection: close', `Content-Length: ${body.length}`];
          if (via === 'header') lines.push(`Authorization: Bearer ${all}`);
          if (via === 'cookie') lines.push(`Cookie: mercureAuthorization=${all}`);
          if (via === 'query') path += `${path.includes('?') ? '&' : '?'}authorization=${all}`;
          for (const [name, value] of headers) lines.push(`${name}: ${value}`);
          const head = Buffer.from(`${verb} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`, 'latin1');
          const response = await rawExchange(running.origin, Buffer.concat([head, body]));
          const what = `${verb} ${JSON.stringify(target)} ${JSON.stringify(headers)} → ${JSON.stringify(response.raw.slice(0, 300))}`;
          assert.ok(response.status >= 100 && response.status < 500, what);
          if (response.status >= 400 && verb !== 'HEAD') {
            assert.ok(response.body.length > 0, `an error without a body: ${what}`);
            if (/json/.test(response.headers['content-type'] ?? ''))
              assert.doesNotThrow(() => JSON.parse(response.body), what);
          }
        },
      ),
      { numRuns: 600 },
    );
    assert.equal((await fetch(`${running.origin}/healthz`)).status, 200);
    const metrics = await (await fetch(`${running.origin}/metrics`)).text();
    assert.doesNotMatch(metrics, /hotline_rejected_requests_total\{status="5\d\d"\}/);
  });
});
