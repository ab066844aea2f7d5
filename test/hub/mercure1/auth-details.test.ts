/**
 * The `authorization_details` claim of Mercure 1.0 access tokens: the shapes accepted (and the alpha
 * aliases), every malformed shape and limit refused as a whole token, never in part.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  type AuthorizationDetailLimits,
  createAuthorize,
  createJwtAuthorizer,
  readAuthorizationDetails,
} from '../../../src/hub/auth/index.js';
import { HttpRejection } from '../../../src/hub/http-errors.js';
import { AUDIENCE, detail, signToken } from '../../fixtures/access-token.js';
import { SECRET } from '../../fixtures/hub.js';

const LIMITS: AuthorizationDetailLimits = {
  maxDetails: 8,
  maxTopicsPerDetail: 4,
  maxPatternLength: 64,
  maxPatternParts: 16,
};

/** Asserts the claim is refused as a token defect (401), with a message matching `message`. */
function assertRefused(claim: unknown, message: RegExp, limits = LIMITS): void {
  assert.throws(
    () => readAuthorizationDetails(claim, limits),
    (error: unknown) => error instanceof HttpRejection && error.status === 401 && message.test(error.message),
    JSON.stringify(claim),
  );
}

describe('authorization_details: what is granted', () => {
  test('each action of a detail grants its topics; matchType defaults to Exact', () => {
    const grant = readAuthorizationDetails(
      [
        detail(['publish'], [{ match: 'https://example.com/a' }]),
        detail(['subscribe', 'publish'], [{ match: '/b/:id', matchType: 'URLPattern' }]),
        detail(['subscribe'], [{ match: '*', matchType: 'Exact' }], { payload: { role: 'reader' } }),
      ],
      LIMITS,
    );
    // spec(Mercure 1.0 §Topic Matcher List): "If no `matchType` key is present, the hub MUST assume the
    // `Exact` matcher type."
    assert.deepEqual(grant.publish, [
      { matchType: 'Exact', match: 'https://example.com/a' },
      { matchType: 'URLPattern', match: '/b/:id' },
    ]);
    assert.deepEqual(grant.subscribe, [
      { matchType: 'URLPattern', match: '/b/:id' },
      { matchType: 'Exact', match: '*' },
    ]);
    // spec(Mercure 1.0 §Payloads): "The `payload` of the first `subscribe` authorization detail whose `topics`
    // matches the subscription's own matcher" — every subscribe detail is kept, so one without a payload
    // still comes first where it matches first.
    assert.deepEqual(grant.payloads, [
      { topics: [{ matchType: 'URLPattern', match: '/b/:id' }], payload: undefined },
      { topics: [{ matchType: 'Exact', match: '*' }], payload: { role: 'reader' } },
    ]);
  });

  test('no claim grants nothing; details of other types are left to their resources', () => {
    // spec(Mercure 1.0 §Authorization Details): "Tokens with no `mercure` authorization detail grant no
    // publish or subscribe rights."
    assert.deepEqual(readAuthorizationDetails(undefined, LIMITS), { publish: [], subscribe: [], payloads: [] });
    const grant = readAuthorizationDetails(
      [
        { type: 'payment_initiation', actions: { pay: true }, topics: 'not ours' },
        detail(['publish'], [{ match: '/x' }]),
      ],
      LIMITS,
    );
    assert.deepEqual(grant.publish, [{ matchType: 'Exact', match: '/x' }]);
  });

  test('[NON-SPEC] alpha aliases: type https://mercure.rocks/authorization-detail, match_type, match_urlpattern', () => {
    const grant = readAuthorizationDetails(
      [
        {
          type: 'https://mercure.rocks/authorization-detail',
          actions: ['subscribe'],
          topics: [
            { match: '/a' },
            { match: '/b', match_type: 'exact' },
            { match: '/c/:id', match_type: 'urlpattern' },
            { match_urlpattern: '/d/:id' },
          ],
        },
      ],
      LIMITS,
    );
    assert.deepEqual(grant.subscribe, [
      { matchType: 'Exact', match: '/a' },
      { matchType: 'Exact', match: '/b' },
      { matchType: 'URLPattern', match: '/c/:id' },
      { matchType: 'URLPattern', match: '/d/:id' },
    ]);
  });
});

/** Malformed claims, each with the reason the hub gives. */
const MALFORMED: ReadonlyArray<[string, unknown, RegExp]> = [
  ['the claim is not an array', { type: 'mercure' }, /must be an array/],
  ['an entry is not an object', ['mercure'], /is not an object/],
  ['an entry is null', [null], /is not an object/],
  ['an entry has no type', [{ actions: ['publish'], topics: [{ match: '/a' }] }], /no string type/],
  ['actions is missing', [{ type: 'mercure', topics: [{ match: '/a' }] }], /actions must be a non-empty array/],
  ['actions is empty', [detail([], [{ match: '/a' }])], /actions must be a non-empty array/],
  ['an action is unknown', [detail(['publish', 'delete'], [{ match: '/a' }])], /may hold only/],
  ['an action is not a string', [{ type: 'mercure', actions: [1], topics: [{ match: '/a' }] }], /may hold only/],
  ['actions is a string', [{ type: 'mercure', actions: 'publish', topics: [{ match: '/a' }] }], /actions must be/],
  ['topics is missing', [{ type: 'mercure', actions: ['publish'] }], /topics must be a non-empty array/],
  ['topics is empty', [detail(['publish'], [])], /topics must be a non-empty array/],
  ['a topic is a string', [detail(['publish'], ['/a'])], /is not an object/],
  ['a topic has no match', [detail(['publish'], [{ matchType: 'Exact' }])], /exactly one of match/],
  ['a match is empty', [detail(['publish'], [{ match: '' }])], /non-empty string/],
  ['a match is a number', [detail(['publish'], [{ match: 7 }])], /non-empty string/],
  ['matchType is in the wrong case', [detail(['publish'], [{ match: '/a', matchType: 'exact' }])], /matchType must be/],
  ['matchType is unknown', [detail(['publish'], [{ match: '/a', matchType: 'UriTemplate' }])], /matchType must be/],
  ['match_type is unknown', [detail(['publish'], [{ match: '/a', match_type: 'constructor' }])], /match_type must be/],
  [
    'both matchType and match_type',
    [detail(['publish'], [{ match: '/a', matchType: 'Exact', match_type: 'exact' }])],
    /more than once/,
  ],
  ['both match and match_urlpattern', [detail(['publish'], [{ match: '/a', match_urlpattern: '/b' }])], /exactly one/],
  [
    'match_urlpattern with a matchType',
    [detail(['publish'], [{ match_urlpattern: '/a', matchType: 'Exact' }])],
    /more than once/,
  ],
  [
    'a URL pattern does not compile',
    [detail(['publish'], [{ match: 'https://example.com/(unclosed', matchType: 'URLPattern' }])],
    /not a valid URL pattern/,
  ],
  [
    'a URL pattern has a regular expression group with an assertion (no linear-time automaton for it)',
    [detail(['publish'], [{ match: '/books/(^\\d+)', matchType: 'URLPattern' }])],
    /regexp group with assertions/,
  ],
  [
    'a URL pattern has more parameters than the hub matches',
    [
      detail(
        ['publish'],
        [{ match: `/${[...'abcdefghijklmnopq'].map((name) => `:${name}`).join('/')}`, matchType: 'URLPattern' }],
      ),
    ],
    /more than 16 parameters/,
  ],
  [
    'the payload is an array',
    [detail(['subscribe'], [{ match: '/a' }], { payload: [1] })],
    /payload must be a JSON object/,
  ],
  [
    'the payload is a string',
    [detail(['subscribe'], [{ match: '/a' }], { payload: 'x' })],
    /payload must be a JSON object/,
  ],
];

describe('authorization_details: a malformed detail refuses the whole token (401 invalid_token)', () => {
  for (const [name, claim, message] of MALFORMED) {
    test(name, () => {
      // spec(Mercure 1.0 §Topic Matcher List): "Any entry that is not a JSON object, or that fails to parse
      // or validate as a topic matcher, MUST cause the token to be rejected with a 401 status code and
      // `error="invalid_token"`".
      assertRefused(claim, message);
    });
  }

  test('a payload nested past the JSON depth bound is refused, not serialized later', () => {
    // spec(Mercure 1.0 §Resource Limits): "Absent limits on request and token size, malicious clients can
    // exhaust hub resources."
    let deep: unknown = {};
    for (let i = 0; i < 200; i++) deep = { deep };
    assertRefused([detail(['subscribe'], [{ match: '/a' }], { payload: deep })], /nests deeper/);
  });

  test('over the limits: details, topics per detail, pattern length', () => {
    // spec(Mercure 1.0 §Authorization Details): "Tokens exceeding any such limit MUST be rejected as invalid
    // tokens, with a 401 status code and `error="invalid_token"`".
    const one = detail(['publish'], [{ match: '/a' }]);
    assertRefused(
      Array.from({ length: 9 }, () => one),
      /more than 8 authorization details/,
    );
    assert.doesNotThrow(() =>
      readAuthorizationDetails(
        Array.from({ length: 8 }, () => one),
        LIMITS,
      ),
    );
    const topics = (n: number) => Array.from({ length: n }, (_, i) => ({ match: `/t/${i}` }));
    assertRefused([detail(['publish'], topics(5))], /more than 4 matchers/);
    assert.doesNotThrow(() => readAuthorizationDetails([detail(['publish'], topics(4))], LIMITS));
    assertRefused([detail(['publish'], [{ match: `/${'x'.repeat(64)}` }])], /longer than 64/);
    assert.doesNotThrow(() =>
      readAuthorizationDetails([detail(['publish'], [{ match: `/${'x'.repeat(63)}` }])], LIMITS),
    );
  });

  test('the most a header can carry is read in a few milliseconds, once per token', () => {
    // spec(Mercure 1.0 §Resource Limits): "Absent limits on request and token size, malicious clients can
    // exhaust hub resources."
    // A token arrives in a header, a query or a cookie: node:http's 16 KiB header limit bounds it. The
    // worst case for the reader is many tiny matchers; measured (2-core box shared with other jobs): 1 to 4
    // ms for 1,000. A static key remembers a verified token, so each distinct token is read once.
    const limits = { maxDetails: 64, maxTopicsPerDetail: 256, maxPatternLength: 1024, maxPatternParts: 16 };
    const claim = Array.from({ length: 5 }, () =>
      detail(
        ['publish', 'subscribe'],
        Array.from({ length: 200 }, () => ({ match: 'a' })),
      ),
    );
    const size = JSON.stringify(claim).length;
    assert.ok(size < 16_384, `the claim fits a header: ${size} characters`);
    for (const round of ['cold', 'warm']) {
      const start = process.hrtime.bigint();
      const grant = readAuthorizationDetails(claim, limits);
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      assert.equal(grant.publish.length, 1000);
      console.log(`# ${round}: read 5 details × 200 matchers in ${ms.toFixed(2)} ms`);
    }
  });
});

describe('authorization_details: no partial acceptance', () => {
  const validDetail = fc.record({
    type: fc.constant('mercure'),
    actions: fc.subarray(['publish', 'subscribe'], { minLength: 1 }),
    topics: fc.array(
      fc.oneof(
        // Any text is an exact topic; a URL pattern must compile, so its path is kept to plain segments.
        fc.record(
          {
            match: fc.string({ minLength: 1, maxLength: 40 }).map((path) => `https://e.com/${path}`),
            matchType: fc.constant('Exact'),
          },
          { requiredKeys: ['match'] },
        ),
        fc.record({
          match: fc.stringMatching(/^\/[a-z0-9/]{0,30}(\/:id)?$/),
          matchType: fc.constant('URLPattern'),
        }),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  });
  const malformedDetail = fc.constantFrom(
    ...MALFORMED.map(([, claim]) => claim)
      .filter(Array.isArray)
      .map((claim) => claim[0]),
  );

  test('valid details with one malformed detail anywhere among them: the whole token is refused', () => {
    // spec(Mercure 1.0 §Authorization Details): "If any `mercure` authorization detail fails to parse or
    // validate […], the hub MUST reject the token the same way and MUST NOT act on the basis of the
    // remaining entries; partial acceptance is forbidden".
    fc.assert(
      fc.property(fc.array(validDetail, { maxLength: 6 }), malformedDetail, fc.nat(), (valid, bad, at) => {
        const claim = [...valid];
        claim.splice(at % (valid.length + 1), 0, bad as (typeof valid)[number]);
        assert.throws(() => readAuthorizationDetails(claim, LIMITS), HttpRejection);
        // Without it, the same details are accepted: the refusal is the malformed entry's doing.
        assert.doesNotThrow(() => readAuthorizationDetails(valid, LIMITS));
      }),
      { numRuns: 300 },
    );
  });

  test('through the hub scheme: a token with one good and one bad detail grants nothing, with a 401', async () => {
    // spec(Mercure 1.0 §Authorization Details): "partial acceptance is forbidden because it would silently
    // alter the effective authorization of the token."
    const authorizer = await createJwtAuthorizer({
      publisherKey: { secret: SECRET },
      accessTokens: { audience: AUDIENCE, issuers: [], limits: LIMITS },
    });
    const authorize = createAuthorize({ authorizer, allowAnonymous: false, publishOrigins: [] });
    const jwt = await signToken({
      authorization_details: [
        detail(['publish'], [{ match: '*' }]),
        detail(['publish'], [{ match: '/a', matchType: 'Regex' }]),
      ],
    });
    await assert.rejects(
      authorize({ headers: { authorization: `Bearer ${jwt}` } }, 'publish'),
      (error: unknown) =>
        error instanceof HttpRejection &&
        error.status === 401 &&
        error.headers['WWW-Authenticate'] === 'Bearer error="invalid_token"',
    );
  });
});
