#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's own runner (TypeScript through tsx). Node 20's --test does not
// expand globs, so the files are listed here. Arguments narrow the run: `npm run test:node -- test/protocol`.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Files that assert a latency bound the hub must keep (the selector stall test: /healthz within 50 ms). They
 * run first and alone, so that what they measure is the hub, not Chromium tests sharing the machine's 2 cores.
 */
const RUN_ALONE = new Set([join('test', 'security', 'selector-stall.test.ts')]);

function collect(path, out) {
  if (statSync(path).isFile()) {
    if (path.endsWith('.test.ts')) out.push(path);
    return out;
  }
  for (const entry of readdirSync(path).sort()) {
    if (entry === 'node_modules' || entry === 'fixtures') continue;
    collect(join(path, entry), out);
  }
  return out;
}

const roots = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const flags = process.argv.slice(2).filter((arg) => arg.startsWith('-'));
const files = (roots.length > 0 ? roots : ['test']).flatMap((root) => collect(root, []));
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(1);
}

/** Runs one `node --test` over `batch`, echoing its output; resolves with its exit code and its summary. */
function run(batch, concurrency) {
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      'tsx',
      '--test',
      `--test-concurrency=${concurrency}`,
      '--test-timeout=180000',
      '--test-reporter=spec',
      ...flags,
      ...batch,
    ],
    { stdio: ['inherit', 'pipe', 'inherit'] },
  );
  const summary = { pass: 0, fail: 0, skipped: 0 };
  let pending = '';
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    const lines = (pending + chunk.toString('utf8')).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const match = /^ℹ (pass|fail|skipped) (\d+)$/.exec(line.trim());
      if (match !== null) summary[match[1]] = Number(match[2]);
    }
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? 1, summary })));
}

const alone = files.filter((file) => RUN_ALONE.has(file));
const rest = files.filter((file) => !RUN_ALONE.has(file));
const results = [];
if (alone.length > 0) results.push(await run(alone, 1));
if (rest.length > 0) results.push(await run(rest, 2));
if (results.length > 1) {
  const total = (key) => results.reduce((sum, { summary }) => sum + summary[key], 0);
  console.log(`\ntotal: ${total('pass')} passed, ${total('fail')} failed, ${total('skipped')} skipped`);
}
process.exit(results.find(({ code }) => code !== 0)?.code ?? 0);
