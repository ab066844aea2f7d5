/**
 * No loss across a crash: a hub on SQLite is killed with SIGKILL while publishers are mid-flight; a new
 * hub on the same file must deliver every update that got a 200, once, in order, to a subscriber that
 * resumes by id — whatever the crash cut off.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect } from '../../src/client/index.js';
import { SECRET, token } from '../fixtures/hub.js';
import { startHubProcess } from '../fixtures/hub-process.js';

test('kill -9 mid-publish on SQLite: every acknowledged update is delivered after the restart, 0 lost, 0 duplicated', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-kill9-'));
  const publisher = await token({ publish: ['*'] });
  const startHub = (port: number) =>
    startHubProcess({
      port,
      dataDir: dir,
      args: ['--jwt-secret', SECRET, '--allow-anonymous', '--no-dashboard', '--log-level', 'warn'],
    });
  let hub = await startHub(0);
  const port = Number(new URL(hub.origin).port);
  const acknowledged = new Set<number>();
  let next = 0;
  let crashed = false;
  // Four publishers in flight, numbering their updates; only 200s count as promises made.
  const publishers = Array.from({ length: 4 }, async () => {
    while (!crashed) {
      const n = ++next;
      try {
        const response = await fetch(`${hub.origin}/.well-known/mercure`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${publisher}` },
          body: new URLSearchParams({ topic: '/crash', data: String(n), id: `c-${n}` }),
        });
        if (response.status === 200) acknowledged.add(n);
        await response.text();
      } catch {
        // the hub died under this request: not acknowledged, so not promised
      }
    }
  });
  try {
    while (acknowledged.size < 150) await new Promise((r) => setTimeout(r, 5));
    hub.kill();
    crashed = true;
    await Promise.all(publishers);
    hub = await startHub(port);
    const seen: number[] = [];
    for await (const event of connect(`${hub.origin}/.well-known/mercure?topic=/crash`, {
      lastEventId: 'earliest',
      signal: AbortSignal.timeout(15_000),
    })) {
      seen.push(Number(event.data));
      // Four publishers interleave, so the highest number is not necessarily stored last: read until every
      // acknowledged update has come, or the history is exhausted (a reset would show as a non-number).
      if ([...acknowledged].every((n) => seen.includes(n))) break;
    }
    const missing = [...acknowledged].filter((n) => !seen.includes(n));
    const duplicated = seen.length - new Set(seen).size;
    assert.deepEqual({ lost: missing.length, duplicated }, { lost: 0, duplicated: 0 });
  } finally {
    crashed = true;
    hub.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
