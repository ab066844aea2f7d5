import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DashboardHost } from '../../src/hub/extension.js';
import type { StoredUpdate } from '../../src/hub/update.js';
import { startHub, subscribe, token } from '../fixtures/hub.js';

test('an extension answers its own paths, sees stats and updates, and tells admins apart', async () => {
  let host!: DashboardHost;
  const seen: StoredUpdate[] = [];
  const running = await startHub({
    allowAnonymous: true,
    extension(given) {
      host = given;
      const stop = given.follow((update) => seen.push(update));
      return {
        async handle(req, res, url) {
          if (url.pathname !== '/admin') return false;
          // A refusal rejects with the hub's 401, which the hub answers like any error of a route.
          const grant = await given.authorizeAdmin(req);
          assert.equal(grant.admin, true);
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(given.stats()));
          return true;
        },
        close: stop,
      };
    },
  });
  try {
    const reader = await subscribe(running.endpoint, ['/ext']);
    await new Promise((r) => setTimeout(r, 20));
    await host.publish({ topics: '/ext', data: 'from the extension' });
    assert.equal((await reader.next()).data, 'from the extension');
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    assert.equal(seen[0]?.data, 'from the extension');
    const anonymous = await fetch(`${running.origin}/admin`);
    assert.equal(anonymous.status, 401);
    assert.deepEqual(await anonymous.json(), {
      error: {
        code: 'HOTLINE_HUB_UNAUTHORIZED',
        message: 'the dashboard stream needs an admin token (Authorization: Bearer)',
      },
    });
    const admin = await fetch(`${running.origin}/admin`, {
      headers: { Authorization: `Bearer ${await token({ publish: ['*'] })}` },
    });
    assert.equal(admin.status, 200);
    const stats = (await admin.json()) as ReturnType<DashboardHost['stats']>;
    assert.equal(stats.subscribers, 1);
    assert.deepEqual(stats.selectors, [{ selector: '/ext', subscribers: 1 }]);
    assert.equal(stats.published, 1);
    // The hub's own routes still answer what the extension declines.
    assert.equal((await fetch(`${running.origin}/healthz`)).status, 200);
    reader.close();
  } finally {
    await running.close();
  }
});
