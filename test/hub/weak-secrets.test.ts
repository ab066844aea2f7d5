import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MIN_HMAC_SECRET_BYTES } from '../../src/hub/auth/index.js';
import { createHub } from '../../src/hub/hub.js';
import type { HubOptions } from '../../src/hub/options.js';
import { publishOk, startHub, token } from '../fixtures/hub.js';

/** Resolves when createHub accepts the options (and closes the hub), rejects with its error otherwise. */
async function accepts(options: HubOptions): Promise<void> {
  const hub = await createHub(options);
  await hub.close();
}

describe('createHub and HMAC secrets (RFC 7518 §3.2)', () => {
  test('a secret shorter than 32 bytes is refused, for the publisher and for the subscriber key', async () => {
    assert.equal(MIN_HMAC_SECRET_BYTES, 32);
    for (const [options, name] of [
      [{ publisherKey: { secret: 'x' } }, 'publisherKey'],
      [{ publisherKey: { secret: 'a'.repeat(31) } }, 'publisherKey'],
      [{ publisherKey: { secret: 'a'.repeat(40) }, subscriberKey: { secret: 'abc' } }, 'subscriberKey'],
    ] as const) {
      await assert.rejects(accepts(options), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'HOTLINE_HUB_INVALID_OPTIONS');
        assert.match(error.message, new RegExp(`^${name}\\.secret: the HMAC secret is \\d+ bytes?; .*RFC 7518 §3\\.2`));
        assert.match(error.message, /allowWeakSecrets/);
        return true;
      });
    }
  });

  test('32 bytes is enough, counted in UTF-8 bytes, not characters', async () => {
    await accepts({ publisherKey: { secret: 'a'.repeat(32) } });
    await accepts({ publisherKey: { secret: '€'.repeat(11) } }); // 11 characters, 33 bytes
    await assert.rejects(accepts({ publisherKey: { secret: '€'.repeat(10) } }), /is 30 bytes/);
  });

  test('allowWeakSecrets (what --dev sets) accepts a short secret, and its tokens verify', async () => {
    const running = await startHub({ publisherKey: { secret: 'dev' }, allowWeakSecrets: true, allowAnonymous: true });
    try {
      await publishOk(running.endpoint, { topic: '/weak', data: 'x' }, await token({ publish: ['*'] }, 'dev'));
    } finally {
      await running.close();
    }
  });
});
