/**
 * [NON-SPEC] `hotline serve --max-state-updates / --max-state-scan` reach the hub: state on subscribe as a
 * user runs it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { mintToken } from '../../src/cli/token.js';
import { publishOk, subscribe } from '../fixtures/hub.js';
import { startHubProcess } from '../fixtures/hub-process.js';
import { waitUntil as waitFor } from '../fixtures/sse-test-server.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

const SECRET = 'a-secret-for-the-serve-state-test-32b';

test('[NON-SPEC] serve --max-state-updates refuses a larger N; --max-state-scan bounds how far back state looks; subscribe --state', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hotline-serve-state-'));
  const hub = await startHubProcess({
    dataDir,
    args: ['--jwt-secret', SECRET, '--allow-anonymous', '--max-state-updates', '3', '--max-state-scan', '2'],
  });
  try {
    const endpoint = `${hub.origin}/.well-known/mercure`;
    const publisher = await mintToken({ secret: SECRET, publish: ['*'], ttlSeconds: 60 });
    for (let i = 1; i <= 5; i++) await publishOk(endpoint, { topic: '/cli/news', data: `n${i}` }, publisher);
    const refused = await fetch(`${endpoint}?topic=/cli/news&state=last:4`, {
      headers: { Accept: 'application/json' },
    });
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as { error: { message: string } }).error.message, /at most N=3/);
    const reader = await subscribe(endpoint, ['/cli/news'], { query: { state: 'last:3' } });
    try {
      assert.deepEqual([(await reader.next()).data, (await reader.next()).data], ['n4', 'n5']);
      assert.equal(await reader.nothingWithin(100), undefined);
    } finally {
      reader.close();
    }
    // `hotline subscribe --state` prints the state first, then live updates.
    const cli = spawn(process.execPath, [
      '--import',
      'tsx',
      MAIN,
      'subscribe',
      '--url',
      endpoint,
      '-t',
      '/cli/news',
      '--state',
      'last:1',
      '--raw',
    ]);
    try {
      let out = '';
      cli.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      await waitFor(() => out.includes('n5\n'), 15_000);
      await publishOk(endpoint, { topic: '/cli/news', data: 'n6' }, publisher);
      await waitFor(() => out.includes('n6\n'), 15_000);
      assert.equal(out, 'n5\nn6\n');
    } finally {
      cli.kill();
    }
  } finally {
    hub.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
