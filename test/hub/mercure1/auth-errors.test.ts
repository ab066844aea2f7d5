/**
 * RFC 6750 §3 error responses and RFC 9728 protected resource metadata, on a real hub: the challenges the
 * Mercure 1.0 text requires, added to the hub's JSON error body that 0.x clients already read.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearerChallenge } from '../../../src/hub/auth/index.js';
import { AUDIENCE, detail, signToken } from '../../fixtures/access-token.js';
import { publish, type RunningHub, startHub, token } from '../../fixtures/hub.js';

const METADATA_URL = 'https://hub.example.com/.well-known/oauth-protected-resource/.well-known/mercure';
const ISSUER = 'https://auth.example.com';

async function errorBody(response: Response): Promise<{ code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return body.error;
}

describe('Mercure 1.0 §Error Responses: WWW-Authenticate challenges, JSON body kept', () => {
  let running: RunningHub;
  before(async () => {
    running = await startHub({ jwtAudience: AUDIENCE, jwtIssuers: [ISSUER] });
  });
  after(() => running.close());

  test('no token where one is required: 401 Bearer with no error code, naming the metadata', async () => {
    // spec(Mercure 1.0 §Error Responses): "If no access token is presented and the requested operation
    // requires one […], the hub MUST return a 401 "Unauthorized" status code with a `WWW-Authenticate:
    // Bearer` challenge and MUST NOT include an error code. The challenge SHOULD include a
    // `resource_metadata` parameter pointing to the hub's protected resource metadata".
    for (const response of [
      await publish(running.endpoint, { topic: '/a', data: 'x' }),
      await fetch(`${running.endpoint}?topic=/a`),
    ]) {
      assert.equal(response.status, 401);
      assert.equal(response.headers.get('www-authenticate'), `Bearer resource_metadata="${METADATA_URL}"`);
      assert.equal((await errorBody(response)).code, 'HOTLINE_HUB_UNAUTHORIZED');
    }
  });

  test('a token that fails validation: 401 error="invalid_token", whatever the generation', async () => {
    // spec(Mercure 1.0 §Error Responses): "If a token is presented but fails validation as defined in
    // (#token-validation) […], the hub MUST return a 401 status code with `error="invalid_token"`."
    const tokens = [
      'not-a-jwt',
      await signToken({ iss: ISSUER, exp: Math.floor(Date.now() / 1000) - 10 }),
      await signToken({ iss: 'https://elsewhere.example' }),
      await token({ publish: ['*'] }, 'a-different-secret-that-is-long-enough-for-hs256'),
    ];
    for (const jwt of tokens) {
      const response = await publish(running.endpoint, { topic: '/a', data: 'x' }, jwt);
      assert.equal(response.status, 401);
      assert.equal(
        response.headers.get('www-authenticate'),
        `Bearer error="invalid_token", resource_metadata="${METADATA_URL}"`,
      );
      assert.equal((await errorBody(response)).code, 'HOTLINE_HUB_UNAUTHORIZED');
    }
  });

  test('a valid token that does not grant the publish: 403 error="insufficient_scope"', async () => {
    // spec(Mercure 1.0 §Publishers): "Otherwise the hub MUST NOT dispatch the update and MUST return a 403
    // status code with `error="insufficient_scope"`". A 0.x publisher gets the same header, and the same body.
    const response = await publish(running.endpoint, { topic: '/b', data: 'x' }, await token({ publish: ['/a'] }));
    assert.equal(response.status, 403);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer error="insufficient_scope"');
    assert.equal((await errorBody(response)).code, 'HOTLINE_HUB_FORBIDDEN');
  });

  test('a malformed 1.0 request: 400 error="invalid_request"; a 0.x request keeps its bare 400', async () => {
    // spec(Mercure 1.0 §Error Responses): "If the request is malformed, the hub MUST return a 400 "Bad
    // Request" status code with `error="invalid_request"`." The request-shape checks that throw it are the
    // routes' (a 1.0 publish: one whose token states matchers; a 1.0 subscribe: one with `match*`).
    const modern = await signToken({ iss: ISSUER, authorization_details: [detail(['publish'], [{ match: '*' }])] });
    for (const response of [
      await publish(running.endpoint, { topic: ['/a', '/b'], data: 'two topics' }, modern),
      await fetch(`${running.endpoint}?match=${encodeURIComponent('/a\u0001')}`, {
        headers: { Authorization: `Bearer ${modern}` },
      }),
    ]) {
      assert.equal(response.status, 400);
      assert.equal(response.headers.get('www-authenticate'), 'Bearer error="invalid_request"');
      assert.equal((await errorBody(response)).code, 'HOTLINE_HUB_BAD_REQUEST');
    }
    const legacy = await publish(running.endpoint, { data: 'no topic' }, await token({ publish: ['*'] }));
    assert.equal(legacy.status, 400);
    assert.equal(legacy.headers.get('www-authenticate'), null);
  });

  test('[NON-SPEC] a malformed Authorization header stays a 401, as 0.x clients have always had it', async () => {
    const response = await fetch(`${running.endpoint}?topic=/a`, { headers: { Authorization: 'Basic YWRtaW4=' } });
    assert.equal(response.status, 401);
    assert.equal(
      response.headers.get('www-authenticate'),
      `Bearer error="invalid_token", resource_metadata="${METADATA_URL}"`,
    );
  });
});

test('a challenge is well-formed whatever the metadata URL holds: quoted-string escapes', () => {
  // spec(RFC 6750 §3): the challenge's attributes are auth-params; their values are quoted-strings, where
  // `"` and `\` are escaped (RFC 9110 §5.6.4).
  assert.equal(bearerChallenge(undefined, undefined), 'Bearer');
  assert.equal(
    bearerChallenge('invalid_token', 'https://hub.example/x?a\\b"c'),
    'Bearer error="invalid_token", resource_metadata="https://hub.example/x?a\\\\b\\"c"',
  );
});

describe('Mercure 1.0 §Protected Resource Metadata (RFC 9728)', () => {
  let running: RunningHub;
  before(async () => {
    running = await startHub({ jwtAudience: AUDIENCE, jwtIssuers: [ISSUER, 'https://login.example.org'] });
  });
  after(() => running.close());

  test('served at the path derived from the hub URL, and at the bare well-known URI', async () => {
    // spec(Mercure 1.0 §Protected Resource Metadata): "for the hub URL `/.well-known/mercure`, the metadata
    // is served at `/.well-known/oauth-protected-resource/.well-known/mercure`".
    for (const path of [
      '/.well-known/oauth-protected-resource/.well-known/mercure',
      '/.well-known/oauth-protected-resource',
    ]) {
      const response = await fetch(`${running.origin}${path}`);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(response.headers.get('access-control-allow-origin'), '*');
      assert.deepEqual(await response.json(), {
        // spec(Mercure 1.0 §Protected Resource Metadata): "`resource`: the hub's resource identifier, which is
        // the value clients MUST place in the access token `aud` claim".
        resource: AUDIENCE,
        authorization_servers: [ISSUER, 'https://login.example.org'],
        // "`header`, plus `query` when the hub supports the URI query parameter method"
        bearer_methods_supported: ['header', 'query'],
        // "`mercure_cookie` (optional): a boolean. When `true`, the hub also accepts the access token in a cookie"
        mercure_cookie: true,
        // "The value for the protocol described by this document is `8`."
        mercure_version: 8,
        authorization_details_types_supported: ['mercure', 'https://mercure.rocks/authorization-detail'],
      });
    }
  });

  test('HEAD answers the headers; other methods get 405', async () => {
    // RFC 9728 §3.1: the metadata is queried with an HTTP GET; HEAD is GET without the body.
    const path = `${running.origin}/.well-known/oauth-protected-resource/.well-known/mercure`;
    const head = await fetch(path, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    const post = await fetch(path, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
  });

  test('self-issued tokens: no authorization_servers; no resource identifier: no metadata at all', async () => {
    // spec(Mercure 1.0 §Protected Resource Metadata): "`authorization_servers` (optional) […] Omitted when
    // tokens are self-issued."
    const selfIssued = await startHub({ jwtAudience: AUDIENCE });
    try {
      const body = (await (await fetch(`${selfIssued.origin}/.well-known/oauth-protected-resource`)).json()) as object;
      assert.ok(!('authorization_servers' in body));
    } finally {
      await selfIssued.close();
    }
    const legacy = await startHub();
    try {
      assert.equal((await fetch(`${legacy.origin}/.well-known/oauth-protected-resource`)).status, 404);
      // And its challenges have no resource_metadata to point at.
      const response = await publish(legacy.endpoint, { topic: '/a', data: 'x' });
      assert.equal(response.headers.get('www-authenticate'), 'Bearer');
    } finally {
      await legacy.close();
    }
  });

  test('jwks_uri names the JWKS the hub verifies with, when tokens are self-issued and it is the only key', async () => {
    // spec(Mercure 1.0 §Protected Resource Metadata): "`jwks_uri` (optional): the location of the hub's
    // token verification keys, when not obtained from an authorization server."
    const jwksUrl = 'https://keys.example.com/jwks.json';
    const cases: [Parameters<typeof startHub>[0], string | undefined][] = [
      [{ publisherKey: { jwksUrl }, jwtAudience: AUDIENCE }, jwksUrl],
      [{ publisherKey: { jwksUrl }, jwtAudience: AUDIENCE, jwtIssuers: [ISSUER] }, undefined],
      [
        {
          publisherKey: { jwksUrl },
          subscriberKey: { secret: 'a-subscriber-secret-that-is-long-enough!' },
          jwtAudience: AUDIENCE,
        },
        undefined,
      ],
      [{ jwtAudience: AUDIENCE }, undefined],
    ];
    for (const [options, expected] of cases) {
      const hub = await startHub(options);
      try {
        const body = (await (await fetch(`${hub.origin}/.well-known/oauth-protected-resource`)).json()) as {
          jwks_uri?: string;
        };
        assert.equal(body.jwks_uri, expected, JSON.stringify(options));
      } finally {
        await hub.close();
      }
    }
  });

  test('a hub behind a path names the derived location for its own URL', async () => {
    // spec(RFC 9728 §3.1): the well-known string goes "between the host component and the path".
    const prefixed = await startHub({ jwtAudience: 'https://example.com/hub/.well-known/mercure' });
    try {
      const response = await publish(prefixed.endpoint, { topic: '/a', data: 'x' });
      assert.equal(
        response.headers.get('www-authenticate'),
        'Bearer resource_metadata="https://example.com/.well-known/oauth-protected-resource/hub/.well-known/mercure"',
      );
      const metadata = await fetch(`${prefixed.origin}/.well-known/oauth-protected-resource/hub/.well-known/mercure`);
      assert.equal(
        ((await metadata.json()) as { resource: string }).resource,
        'https://example.com/hub/.well-known/mercure',
      );
    } finally {
      await prefixed.close();
    }
  });

  test('a resource identifier that is not an absolute http(s) URL is refused at start', async () => {
    // spec(RFC 9728 §2): `resource` is "The protected resource's resource identifier, which is a URL that
    // uses the https scheme and has no fragment component." (`http:` is let through for development.)
    for (const jwtAudience of ['hub.example.com', 'urn:hub', 'https://hub.example.com/#x']) {
      await assert.rejects(startHub({ jwtAudience }), /jwtAudience/);
    }
  });
});
