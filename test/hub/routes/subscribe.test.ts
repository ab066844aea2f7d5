/**
 * The subscribe route's order: authorize → validate and compile selectors → open the stream → attach.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHub, token } from '../../fixtures/hub.js';

test('a subscription without a credential is refused (401) before its selectors are looked at', async () => {
  const running = await startHub({ allowAnonymous: false });
  try {
    const tooLong = `https://example.com/${'{x}'.repeat(400)}`;
    for (const query of ['', `?topic=${encodeURIComponent(tooLong)}`]) {
      const response = await fetch(`${running.endpoint}${query}`);
      assert.equal(response.status, 401, `GET ${query || '(no topic)'}`);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'HOTLINE_HUB_UNAUTHORIZED');
    }
    // With a credential, the same requests get the selector errors.
    const authorization = `Bearer ${await token({ subscribe: ['*'] })}`;
    const noTopic = await fetch(running.endpoint, { headers: { authorization } });
    assert.equal(noTopic.status, 400);
    await noTopic.body?.cancel();
  } finally {
    await running.close();
  }
});
