/**
 * A library caller's SQLite log in a folder that cannot exist fails at once with the system error — it
 * used to spin forever in `mkdirSync(…, { recursive: true })` under /proc. Run in a child process with a
 * time limit, because a synchronous spin cannot be interrupted from the test's own thread.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { makeDirectory } from '../../../src/hub/log/make-directory.js';

const SQLITE = new URL('../../../src/hub/log/sqlite.ts', import.meta.url).pathname;

describe('makeDirectory', () => {
  test('createSqliteLog under /proc fails with ENOENT instead of spinning', { skip: !existsSync('/proc/self') }, () => {
    const script = `import(${JSON.stringify(SQLITE)}).then(({ createSqliteLog }) => {
      try { createSqliteLog('/proc/nope/deeper/x.db'); console.log('opened'); }
      catch (error) { console.log('failed', error.code); }
    });`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(child.signal, null, `the child was killed (it spun): ${child.stderr}`);
    assert.equal(child.stdout.trim(), 'failed ENOENT', child.stderr);
  });

  test('creates every missing level, and accepts a folder that exists', () => {
    const root = mkdtempSync(join(tmpdir(), 'hotline-mkdir-'));
    try {
      const deep = join(root, 'a', 'b', 'c');
      makeDirectory(deep);
      assert.ok(existsSync(deep));
      makeDirectory(deep);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
