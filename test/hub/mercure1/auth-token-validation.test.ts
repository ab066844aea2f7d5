/**
 * Mercure 1.0 access token validation (RFC 9068 profile) by the hub's JWT scheme: every rule of
 * §Token Validation, each refused with 401 `invalid_token` through `authorize`, next to the 0.x tokens the
 * same scheme keeps accepting.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import {
  type AsymmetricAlgorithm,
  type Authorize,
  type AuthRequest,
  createAuthorize,
  createJwtAuthorizer,
  type JwtKeyOptions,
} from '../../../src/hub/auth/index.js';
import { HttpRejection } from '../../../src/hub/http-errors.js';
import { AUDIENCE, accessToken, detail, exact, signToken, unsignedToken } from '../../fixtures/access-token.js';
import { SECRET, token } from '../../fixtures/hub.js';

const LIMITS = { maxDetails: 64, maxTopicsPerDetail: 256, maxPatternLength: 1024, maxPatternParts: 16 };
const METADATA = 'https://hub.example.com/.well-known/oauth-protected-resource/.well-known/mercure';

async function authorizeWith(
  options: { key?: JwtKeyOptions; audience?: string | undefined; issuers?: string[] } = {},
): Promise<Authorize> {
  const authorizer = await createJwtAuthorizer({
    publisherKey: options.key ?? { secret: SECRET },
    accessTokens: {
      audience: 'audience' in options ? options.audience : AUDIENCE,
      issuers: options.issuers ?? [],
      limits: LIMITS,
    },
  });
  return createAuthorize({ authorizer, allowAnonymous: false, publishOrigins: [], resourceMetadata: METADATA });
}

const bearer = (jwt: string): AuthRequest => ({ headers: { authorization: `Bearer ${jwt}` }, url: '/' });

/** The refusal `authorize` throws; fails the test when it grants. */
async function refusal(granting: Promise<unknown>): Promise<HttpRejection> {
  try {
    await granting;
  } catch (error) {
    assert.ok(error instanceof HttpRejection, String(error));
    return error;
  }
  assert.fail('the token was accepted');
}

/** Asserts a 401 `invalid_token` whose message matches. */
async function assertInvalidToken(granting: Promise<unknown>, message: RegExp): Promise<void> {
  const error = await refusal(granting);
  assert.equal(error.status, 401);
  assert.match(error.message, message);
  // spec(Mercure 1.0 §Error Responses): "If a token is presented but fails validation as defined in
  // (#token-validation) […], the hub MUST return a 401 status code with `error="invalid_token"`."
  assert.equal(error.headers['WWW-Authenticate'], `Bearer error="invalid_token", resource_metadata="${METADATA}"`);
}

const now = () => Math.floor(Date.now() / 1000);
const PUBLISH_ALL = { authorization_details: [detail(['publish'], [{ match: '*' }])] };

describe('Mercure 1.0 access tokens: what a valid one grants', () => {
  test('its authorization details, as topic matchers; its exp, sub and generation', async () => {
    // spec(Mercure 1.0 §Authorization Details): "A token grants an action on a topic when it carries a
    // `mercure` authorization detail whose `actions` includes that action and one of whose `topics` matches the
    // topic."
    const authorize = await authorizeWith();
    const jwt = await accessToken({
      publish: exact('https://example.com/books/1'),
      subscribe: [{ matchType: 'URLPattern', match: 'https://example.com/books/:id' }],
      payload: { tenant: 'acme' },
      subject: 'urn:user:7',
    });
    const before = Date.now();
    const grant = await authorize(bearer(jwt), 'publish');
    assert.deepEqual(grant.publish, [{ matchType: 'Exact', match: 'https://example.com/books/1' }]);
    assert.deepEqual(grant.subscribe, [{ matchType: 'URLPattern', match: 'https://example.com/books/:id' }]);
    assert.equal(grant.admin, false);
    assert.equal(grant.generation, 'access-token');
    assert.equal(grant.subject, 'urn:user:7');
    assert.deepEqual(grant.subscribePayloads, [
      { topics: [{ matchType: 'URLPattern', match: 'https://example.com/books/:id' }], payload: { tenant: 'acme' } },
    ]);
    assert.ok(
      grant.exp !== undefined && grant.exp > before + 590_000 && grant.exp <= before + 601_000,
      `exp ${grant.exp}`,
    );
  });

  test('[NON-SPEC] a publish detail for "*" opens the dashboard, like the 0.x publish ["*"]', async () => {
    const authorize = await authorizeWith();
    const grant = await authorize(bearer(await signToken(PUBLISH_ALL)), 'admin');
    assert.equal(grant.admin, true);
  });

  test('[NON-SPEC] a 0.x token and an access token are accepted by the same hub, each read by its own claim', async () => {
    const authorize = await authorizeWith();
    const legacy = await authorize(bearer(await token({ publish: ['/a'] })), 'publish');
    assert.deepEqual(legacy.publish, ['/a']);
    assert.equal(legacy.generation, undefined);
    const modern = await authorize(bearer(await accessToken({ publish: exact('/a') })), 'publish');
    assert.deepEqual(modern.publish, [{ matchType: 'Exact', match: '/a' }]);
  });
});

describe('Mercure 1.0 §Token Validation: every check, refused with 401 invalid_token', () => {
  test('typ: a token that is not at+jwt is not read as an access token: its authorization_details grant nothing', async () => {
    // spec(Mercure 1.0 §Token Validation): "Hubs MUST verify that the token header `typ` is `at+jwt`
    // [RFC9068], so that tokens issued for other purposes (for example, OpenID Connect ID Tokens) are not
    // accepted." Such a token is a 0.x token here, and the 0.x scheme reads only the `mercure` claim.
    const authorize = await authorizeWith();
    for (const typ of ['JWT', 'id+jwt', undefined]) {
      const jwt = await signToken(PUBLISH_ALL, { typ });
      const grant = await authorize(bearer(jwt), 'publish');
      assert.deepEqual(grant.publish, [], `typ ${typ}`);
      assert.equal(grant.admin, false);
    }
    // RFC 9068 §4: "application/at+jwt" is the same type, and media types compare case-insensitively.
    for (const typ of ['application/at+jwt', 'AT+JWT']) {
      const grant = await authorize(bearer(await signToken(PUBLISH_ALL, { typ })), 'publish');
      assert.equal(grant.admin, true, `typ ${typ}`);
    }
  });

  test('alg none is refused', async () => {
    // spec(Mercure 1.0 §Token Validation): "Hubs MUST NOT accept `alg=none`".
    const authorize = await authorizeWith();
    await assertInvalidToken(authorize(bearer(unsignedToken(PUBLISH_ALL)), 'publish'), /not a JWT|algorithm|malformed/);
  });

  test('alg must suit the key: an HS256 token "signed" with the RS256 public key is refused', async () => {
    // spec(Mercure 1.0 §Token Validation): "MUST NOT derive the set of acceptable algorithms from the token,
    // and MUST verify that `alg` is compatible with the key used for verification (preventing
    // algorithm-confusion attacks)."
    const { publicKey } = await generateKeyPair('RS256', { extractable: true });
    const pem = await exportSPKI(publicKey);
    const authorize = await authorizeWith({ key: { publicKey: pem, algorithm: 'RS256' } });
    const confused = await signToken(PUBLISH_ALL, { alg: 'HS256' }, pem);
    await assertInvalidToken(authorize(bearer(confused), 'publish'), /algorithm this hub does not accept/);
    // And an HMAC hub refuses what is not HS*: the allowlist is the key's, not the token's.
    const hmac = await authorizeWith();
    const { privateKey } = await generateKeyPair('ES256');
    const es256 = await signToken(PUBLISH_ALL, { alg: 'ES256' }, privateKey);
    await assertInvalidToken(hmac(bearer(es256), 'publish'), /algorithm this hub does not accept/);
  });

  for (const alg of ['EdDSA', 'ES256', 'RS256'] as const satisfies AsymmetricAlgorithm[]) {
    test(`an access token signed with ${alg} verifies with the matching public key`, async () => {
      // spec(Mercure 1.0 §Token Validation): "The allowlist SHOULD include at minimum `EdDSA`, `ES256`, and
      // `RS256`".
      const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
      const authorize = await authorizeWith({ key: { publicKey: await exportSPKI(publicKey), algorithm: alg } });
      const grant = await authorize(bearer(await signToken(PUBLISH_ALL, { alg }, privateKey)), 'publish');
      assert.equal(grant.admin, true);
    });
  }

  test('a token signed with another key is refused', async () => {
    // spec(Mercure 1.0 §Security Considerations): "Access tokens are validated as JWT access tokens before
    // authorization details are evaluated".
    const authorize = await authorizeWith();
    const forged = await signToken(PUBLISH_ALL, {}, 'another-secret-that-is-long-enough-for-hs256');
    await assertInvalidToken(authorize(bearer(forged), 'publish'), /signature does not verify/);
  });

  test('aud: a string or an array must name the resource identifier', async () => {
    // spec(Mercure 1.0 §Token Validation): "`aud` MAY be a single string or an array of strings; the
    // resource identifier matches when it equals that string or is a member of that array."
    const authorize = await authorizeWith();
    for (const aud of ['https://other.example.com/.well-known/mercure', ['https://a.example', 'https://b.example']]) {
      await assertInvalidToken(authorize(bearer(await signToken({ ...PUBLISH_ALL, aud })), 'publish'), /aud claim/);
    }
    await assertInvalidToken(
      authorize(bearer(await signToken({ ...PUBLISH_ALL, aud: undefined })), 'publish'),
      /no aud claim/,
    );
    // Compared exactly: a trailing slash is another identifier.
    await assertInvalidToken(
      authorize(bearer(await signToken({ ...PUBLISH_ALL, aud: `${AUDIENCE}/` })), 'publish'),
      /aud/,
    );
    const listed = await signToken({ ...PUBLISH_ALL, aud: ['https://a.example', AUDIENCE] });
    assert.equal((await authorize(bearer(listed), 'publish')).admin, true);
  });

  test('a hub without a resource identifier refuses every access token, and still takes 0.x tokens', async () => {
    // spec(Mercure 1.0 §Token Validation): "Hubs MUST be configured with their resource identifier and MUST
    // verify that it appears in the token `aud` claim".
    const authorize = await authorizeWith({ audience: undefined });
    await assertInvalidToken(authorize(bearer(await signToken(PUBLISH_ALL)), 'publish'), /no resource identifier/);
    assert.equal((await authorize(bearer(await token({ publish: ['*'] })), 'publish')).admin, true);
  });

  test('iss: checked against the configured issuers, not checked without them', async () => {
    // spec(Mercure 1.0 §Token Validation): "When the hub advertises one or more authorization servers […],
    // it MUST verify that the `iss` claim is the issuer identifier of one of them [RFC9068]. A hub that
    // accepts self-issued tokens and advertises no authorization server MAY omit the `iss` check."
    const issuers = ['https://auth.example.com', 'https://login.example.org'];
    const authorize = await authorizeWith({ issuers });
    await assertInvalidToken(
      authorize(bearer(await signToken({ ...PUBLISH_ALL, iss: 'https://evil.example' })), 'publish'),
      /iss claim/,
    );
    await assertInvalidToken(authorize(bearer(await signToken(PUBLISH_ALL)), 'publish'), /no iss claim/);
    const trusted = await signToken({ ...PUBLISH_ALL, iss: 'https://login.example.org' });
    assert.equal((await authorize(bearer(trusted), 'publish')).admin, true);
    const selfIssued = await authorizeWith();
    const anyIssuer = await signToken({ ...PUBLISH_ALL, iss: 'https://whoever.example' });
    assert.equal((await selfIssued(bearer(anyIssuer), 'publish')).admin, true);
  });

  test('exp: required, and enforced on the first request bearing the token', async () => {
    // spec(Mercure 1.0 §Token Validation): "Hubs MUST enforce the `exp` claim [RFC7519], including on the
    // first request received bearing a token". spec(Mercure 1.0 §Subscribers): "since `exp` is required".
    const authorize = await authorizeWith();
    await assertInvalidToken(
      authorize(bearer(await signToken({ ...PUBLISH_ALL, exp: now() - 1 })), 'publish'),
      /expired/,
    );
    await assertInvalidToken(
      authorize(bearer(await signToken({ ...PUBLISH_ALL, exp: undefined })), 'publish'),
      /no exp claim/,
    );
    await assertInvalidToken(authorize(bearer(await signToken({ ...PUBLISH_ALL, exp: 'tomorrow' })), 'publish'), /exp/);
  });

  test('nbf: a token not valid yet is refused, one whose nbf has passed is accepted', async () => {
    // spec(Mercure 1.0 §Token Validation): "[Hubs] MUST enforce the `nbf` claim if present."
    const authorize = await authorizeWith();
    await assertInvalidToken(
      authorize(bearer(await signToken({ ...PUBLISH_ALL, nbf: now() + 120 })), 'publish'),
      /nbf claim/,
    );
    const ready = await signToken({ ...PUBLISH_ALL, nbf: now() - 5 });
    assert.equal((await authorize(bearer(ready), 'publish')).admin, true);
  });

  test('a remembered token is still refused once expired', async () => {
    // spec(Mercure 1.0 §Token Validation): "Hubs MUST enforce the `exp` claim [RFC7519]" — a verified token
    // remembered by the hub too.
    const authorize = await authorizeWith();
    // Two seconds of margin: the first uses must land before exp even on a loaded machine.
    const exp = now() + 2;
    const jwt = await new SignJWT(PUBLISH_ALL)
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setAudience(AUDIENCE)
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(SECRET));
    assert.equal((await authorize(bearer(jwt), 'publish')).admin, true);
    assert.equal((await authorize(bearer(jwt), 'publish')).admin, true, 'a second use is accepted (from the cache)');
    while (now() < exp) await new Promise((resolve) => setTimeout(resolve, 50));
    await assertInvalidToken(authorize(bearer(jwt), 'publish'), /expired/);
  });

  test('a key proves only its role: a subscriber key does not let an access token publish', async () => {
    // spec(Mercure 1.0 §Authorization): "Different keys SHOULD be used to sign subscribers' and publishers'
    // tokens so that compromise of one role does not entail compromise of the other."
    const subscriberSecret = 'a-subscriber-secret-that-is-long-enough-for-hs256';
    const authorizer = await createJwtAuthorizer({
      publisherKey: { secret: SECRET },
      subscriberKey: { secret: subscriberSecret },
      accessTokens: { audience: AUDIENCE, issuers: [], limits: LIMITS },
    });
    const authorize = createAuthorize({ authorizer, allowAnonymous: false, publishOrigins: [] });
    const both = { authorization_details: [detail(['publish', 'subscribe'], [{ match: '*' }])] };
    const asSubscriber = await authorize(bearer(await signToken(both, {}, subscriberSecret)), 'subscribe');
    assert.deepEqual(asSubscriber.publish, []);
    assert.deepEqual(asSubscriber.subscribe, [{ matchType: 'Exact', match: '*' }]);
    const refused = await refusal(authorize(bearer(await signToken(both, {}, subscriberSecret)), 'publish'));
    assert.equal(refused.status, 401);
  });
});
