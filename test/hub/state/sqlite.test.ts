import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteLog } from '../../../src/hub/log/sqlite.js';
import { stateOnSubscribeSuite } from './state-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'hotline-state-'));
stateOnSubscribeSuite({
  name: 'sqlite',
  open: async () => createSqliteLog(join(dir, 'log.db')),
  destroy: async () => rmSync(dir, { recursive: true, force: true }),
  shared: false,
  skip: false,
});
