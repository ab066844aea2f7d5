import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHotlineError } from '../../../src/errors.js';
import { importDriver, requireDriver } from '../../../src/hub/log/optional-dependency.js';

const absent = 'hotline-test-absent-driver';

test('a driver that is not installed fails with HOTLINE_HUB_MISSING_DEPENDENCY naming the package', () => {
  assert.throws(
    () => requireDriver(absent, 'SQLite'),
    (error) =>
      isHotlineError(error) &&
      error.code === 'HOTLINE_HUB_MISSING_DEPENDENCY' &&
      error.message.includes(`npm install ${absent}`) &&
      (error.cause as { code?: string }).code === 'MODULE_NOT_FOUND',
  );
});

test('an ESM driver that is not installed fails the same way when imported on use', async () => {
  await assert.rejects(
    importDriver(absent, 'Redis', () => import(absent)),
    (error) =>
      isHotlineError(error) && error.code === 'HOTLINE_HUB_MISSING_DEPENDENCY' && error.message.includes(absent),
  );
});

test('an installed driver loads, and a broken one keeps its own error', async () => {
  assert.equal(typeof requireDriver<unknown>('better-sqlite3', 'SQLite'), 'function');
  const broken = Object.assign(new Error("Cannot find module './build/Release/x.node'"), { code: 'MODULE_NOT_FOUND' });
  await assert.rejects(
    importDriver('better-sqlite3', 'SQLite', () => Promise.reject(broken)),
    (error) => error === broken,
  );
});
