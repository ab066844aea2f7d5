/**
 * Creating the folder of a log file, shared by the SQLite log and `hotline serve` (its data directory).
 * @module
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Creates `dir` one level at a time. Node's `mkdirSync(…, { recursive: true })` spins forever where a
 * parent refuses children with ENOENT (e.g. under /proc); one level at a time fails at once, naming it.
 */
export function makeDirectory(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeDirectory(parent);
  try {
    mkdirSync(dir);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
  }
}
