import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { createSqliteLog } from '../../../src/hub/log/sqlite.js';
import { eventLogContract } from './contract.js';

const dir = mkdtempSync(join(tmpdir(), 'hotline-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));

eventLogContract(
  'sqlite',
  { open: async (name, retention) => createSqliteLog(join(dir, `${name}.db`), retention) },
  { durable: true, shared: false },
);
