import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Authorizer, Rights } from '../../../src/hub/auth/index.js';
import { HttpRejection } from '../../../src/hub/http-errors.js';
import { publish, type RunningHub, startHub, subscribe } from '../../fixtures/hub.js';

/** Rights as each generation states them, behind static keys (the Authorizer seam, no JWT needed). */
function keys(table: Record<string, Partial<Rights>>): Authorizer {
  return {
    async authenticate(credential) {
      const rights = table[credential.token];
      if (rights === undefined) throw new HttpRejection(401, 'HOTLINE_HUB_UNAUTHORIZED', 'unknown key');
      return { publish: [], subscribe: [], admin: false, payload: undefined, exp: undefined, ...rights };
    },
  };
}

const V1 = 'publisher-1.0';
const V0 = 'publisher-0.x';

describe('Mercure 1.0 publish rules, and 0.x publishers left as they were', () => {
  let running: RunningHub;
  before(async () => {
    running = await startHub({
      publisherKey: undefined,
      allowAnonymous: true,
      maxIdLength: 64,
      authorizer: keys({
        [V1]: { publish: [{ matchType: 'URLPattern', match: '*' }] },
        [V0]: { publish: ['*'] },
      }),
    });
  });
  after(() => running.close());

  const send = (fields: Record<string, string | string[] | boolean>, key: string) =>
    publish(running.endpoint, fields, key);

  async function status(fields: Record<string, string | string[] | boolean>, key: string) {
    const response = await send(fields, key);
    await response.text();
    return { status: response.status, challenge: response.headers.get('www-authenticate') };
  }

  test('a 1.0 publish carries exactly one topic; a 0.x publish may name alternates', async () => {
    // spec(Mercure 1.0 §Publication): "This field MUST appear exactly once; a request carrying more than one
    // `topic` field MUST be rejected with a 400 "Bad Request" HTTP status code."
    assert.deepEqual(await status({ topic: ['/a', '/b'], data: 'x' }, V1), {
      status: 400,
      challenge: 'Bearer error="invalid_request"',
    });
    assert.equal((await status({ topic: ['/a', '/b'], data: 'x' }, V0)).status, 200);
    assert.equal((await status({ topic: '/a', data: 'x' }, V1)).status, 200);
  });

  test('topics resolving into /.well-known/mercure are refused with 403; 1.0 resolves against the hub URL', async () => {
    // spec(Mercure 1.0 §Publication): "A topic addresses the reserved namespace when, after being resolved as a
    // URI reference against the hub's URL, its path component is `/.well-known/mercure` or begins with
    // `/.well-known/mercure/`, regardless of scheme or authority. (…) Hubs MUST reject publish requests
    // violating this rule with a 403"
    for (const topic of [
      '/.well-known/mercure',
      'https://elsewhere.example/.well-known/mercure/subscriptions/x/y',
      '../.well-known/mercure/x',
    ])
      for (const key of [V1, V0]) assert.equal((await status({ topic, data: 'forged' }, key)).status, 403, topic);
    for (const topic of ['mercure/subscriptions/Exact/x/y', './mercure', 'mercure']) {
      assert.equal((await status({ topic, data: 'forged' }, V1)).status, 403, topic);
      // A 0.x topic is a string: `mercure` is not a path under the hub URL to a 0.x publisher.
      assert.equal((await status({ topic, data: 'ordinary' }, V0)).status, 200, topic);
    }
    assert.equal((await status({ topic: 'mercure-not/reserved', data: 'x' }, V1)).status, 200);
  });

  test('a 1.0 topic with a control character is refused; a 0.x one is taken as before', async () => {
    // spec(Mercure 1.0 §Terminology): topic strings "MUST NOT contain C0 (U+0000–U+001F) or C1 (U+0080–U+009F)
    // control characters or U+007F (DEL)."
    for (const topic of ['/a\u0001', '/a\u007f', '/a\u0085'])
      assert.equal((await status({ topic, data: 'x' }, V1)).status, 400, JSON.stringify(topic));
    assert.equal((await status({ topic: '/a\u0001', data: 'x' }, V0)).status, 200);
  });

  test('a 1.0 id must not start with #; CR, LF and NUL are refused in any id', async () => {
    // spec(Mercure 1.0 §Publication): "The provided ID MUST NOT start with the `#` character and MUST NOT contain
    // U+000A (LF), U+000D (CR), or U+0000 (NUL). (…) The hub MUST reject client-supplied IDs violating the
    // character constraints above with a 400 HTTP status code."
    assert.equal((await status({ topic: '/id', id: '#1' }, V1)).status, 400);
    assert.equal((await status({ topic: '/id', id: '#0x' }, V0)).status, 200);
    for (const id of ['a\nb', 'a\rb', 'a\0b'])
      for (const key of [V1, V0]) assert.equal((await status({ topic: '/id', id }, key)).status, 400);
  });

  test('type with CR or LF and retry that is not ASCII digits are refused with 400', async () => {
    // spec(Mercure 1.0 §Publication): `type` "MUST NOT contain U+000A or U+000D; hubs MUST reject violating
    // values with a 400"; `retry` "MUST consist solely of ASCII digits (U+0030–U+0039); hubs MUST reject
    // violating values with a 400"
    const bad: Record<string, string>[] = [
      { type: 'a\nb' },
      { type: 'a\rb' },
      { retry: '-1' },
      { retry: '1.5' },
      { retry: '١' },
    ];
    for (const fields of bad)
      assert.equal((await status({ topic: '/t', ...fields }, V1)).status, 400, JSON.stringify(fields));
    assert.equal((await status({ topic: '/t', retry: '0012' }, V1)).status, 200);
  });

  test('a 1.0 id past maxIdLength is 413; a 0.x one keeps its 400', async () => {
    // spec(Mercure 1.0 §Publication): "Requests exceeding any such limit MUST be rejected with a 413 "Content
    // Too Large" HTTP status code."
    assert.equal((await status({ topic: '/long', id: 'x'.repeat(65) }, V1)).status, 413);
    assert.equal((await status({ topic: '/long', id: 'x'.repeat(65) }, V0)).status, 400);
    assert.equal((await status({ topic: `/${'t'.repeat(1024)}` }, V1)).status, 413);
  });

  test('private is decided by presence, whatever its value; the response body is the id', async () => {
    // spec(Mercure 1.0 §Publication): "The presence of the field name marks the update as private regardless of
    // its value, whether or not a value is supplied"; "the response body MUST be the `id` generated by the hub"
    const anonymous = await subscribe(running.endpoint, [], { query: { matchURLPattern: '/priv/:x' } });
    for (const value of ['', 'off', 'false']) {
      const response = await send({ topic: '/priv/1', data: 'secret', private: value, id: `priv-${value}` }, V1);
      assert.equal(response.status, 200);
      assert.equal(await response.text(), `priv-${value}`);
    }
    const generated = await send({ topic: '/priv/1', data: 'public' }, V1);
    const id = await generated.text();
    assert.match(id, /^urn:uuid:/);
    assert.equal((await anonymous.next()).lastEventId, id, 'only the public update reaches an anonymous reader');
    anonymous.close();
  });
});
