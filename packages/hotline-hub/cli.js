#!/usr/bin/env node
// Runs hotline's own CLI. Its file is not an export of `hotline` (no library user needs it), so it is
// found next to hotline's package.json, which is.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = dirname(createRequire(import.meta.url).resolve('hotline/package.json'));
await import(pathToFileURL(join(root, 'dist', 'cli', 'main.js')).href);
