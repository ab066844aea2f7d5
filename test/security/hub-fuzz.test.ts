/**
 * Generated hostile input against a running hub: publish requests (headers, encodings, bodies, topics,
 * ids) and JWTs (wrong alg, none, wrong key, expired, not yet valid, malformed, huge). The hub must never
 * answer 5xx, never crash, and never accept an unauthorized publish.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { SignJWT, UnsecuredJWT } from 'jose';
import { type RunningHub, SECRET, startHub, subscribe, token } from '../fixtures/hub.js';

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
