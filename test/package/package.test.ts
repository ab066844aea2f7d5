/**
 * The package as users install it: the sources are compiled into a temporary directory (dist/ is left
 * alone, other tests run from it), `npm pack`ed, and the tarballs installed into throwaway consumer
 * projects from npm's local cache. Skipped, saying why, when npm cannot pack or install.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = join(root, 'node_modules', '.bin', 'tsc');
const tmp = mkdtempSync(join(tmpdir(), 'hotline-package-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The drivers `hotline` declares as optional peers: a client-only install must hold none of them. */
const DRIVERS = ['better-sqlite3', 'ioredis', '@nats-io'];
const SUBPATHS = ['protocol', 'server', 'client', 'hub'] as const;

/** Compiles the sources the way `npm run build` does, but into `stage/`, with what `files` ships. */
async function stage(): Promise<string> {
  const dir = join(tmp, 'stage');
  mkdirSync(dir);
  await exec(tsc, ['-p', 'tsconfig.build.json', '--outDir', join(dir, 'dist')], { cwd: root });
  await exec(process.execPath, [join(root, 'scripts', 'build-cts-types.mjs'), join(dir, 'dist')]);
  for (const file of ['package.json', 'README.md', 'docs'])
    cpSync(join(root, file), join(dir, file), { recursive: true });
  if (existsSync(join(root, 'web', 'dist')))
    cpSync(join(root, 'web', 'dist'), join(dir, 'web', 'dist'), { recursive: true });
  return dir;
}

async function pack(dir: string): Promise<string> {
  const { stdout } = await exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: dir });
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  return join(tmp, filename);
}

/** A new consumer project with `tarballs` installed: offline from the cache first, then preferring it. */
async function consumer(name: string, tarballs: string[], extra: string[] = []): Promise<string> {
  const dir = join(tmp, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }));
  const args = ['install', '--no-audit', '--no-fund', ...extra, ...tarballs];
  await exec('npm', [...args, '--offline'], { cwd: dir }).catch(() =>
    exec('npm', [...args, '--prefer-offline'], { cwd: dir }),
  );
  return dir;
}

/** The compile error, if the sources do not build: a failure, not a reason to skip. */
let buildError: { stdout?: string; message: string } | undefined;
let skip: string | false = false;
let client = '';
let hub = '';
const staged = await stage().catch((error: { stdout?: string; message: string }) => {
  buildError = error;
  skip = 'the sources did not compile (see the failing test)';
  return undefined;
});
if (staged !== undefined) {
  try {
    const hotline = await pack(staged);
    const hotlineHub = await pack(join(root, 'packages', 'hotline-hub'));
    client = await consumer('client-only', [hotline]);
    // No install scripts: better-sqlite3 would compile for a minute; its binary is copied in below instead,
    // standing in for the prebuilt one its install script downloads.
    hub = await consumer('hub', [hotline, hotlineHub], ['--ignore-scripts']);
  } catch (error) {
    skip = `npm could not pack or install the package here: ${(error as Error).message.split('\n')[0]}`;
  }
}

test('the sources compile into the package', () => {
  assert.equal(buildError, undefined, `tsc failed:\n${buildError?.stdout ?? buildError?.message}`);
});

/** Every path under `dir`, relative to it. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String);
}

async function node(cwd: string, file: string, source: string): Promise<string> {
  writeFileSync(join(cwd, file), source);
  const { stdout } = await exec(process.execPath, [file], { cwd });
  return stdout.trim();
}

test('a client-only install holds no native module and no database or broker client', { skip }, () => {
  const modules = readdirSync(join(client, 'node_modules'));
  for (const driver of DRIVERS) assert.ok(!modules.includes(driver), `${driver} was installed`);
  const native = tree(join(client, 'node_modules')).filter((path) => path.endsWith('.node'));
  assert.deepEqual(native, []);
});

const USE_EACH = `
const events = [];
protocol.createParser({ onEvent: (event) => events.push(event.data) }).feed('data: hi\\n\\n');
const cursor = client.memoryCursor('7');
const log = hub.createMemoryLog();
console.log(JSON.stringify([events[0], server.formatEvent({ data: 'x' }), cursor.get(), log.kind]));
`;
const EXPECTED = JSON.stringify(['hi', 'data: x\n\n', '7', 'memory']);

test('every subpath can be required from CommonJS, and its exports work', { skip }, async () => {
  const requires = SUBPATHS.map((name) => `const ${name} = require('hotline/${name}');`).join('\n');
  assert.equal(await node(client, 'each.cjs', requires + USE_EACH), EXPECTED);
});

test('every subpath can be imported from an ES module, and its exports work', { skip }, async () => {
  const imports = SUBPATHS.map((name) => `import * as ${name} from 'hotline/${name}';`).join('\n');
  assert.equal(await node(client, 'each.mjs', imports + USE_EACH), EXPECTED);
});

const TYPED = `${SUBPATHS.map((name) => `import * as ${name} from 'hotline/${name}';`).join('\n')}
const parser: protocol.EventStreamParser = protocol.createParser({ onEvent: () => {} });
const line: string = server.formatEvent({ data: 'x' });
const cursor: client.CursorStore = client.memoryCursor();
const log: hub.EventLog = hub.createMemoryLog();
export const used = [parser, line, cursor, log];
`;

async function typecheck(files: string[], options: string[]): Promise<void> {
  for (const file of files) writeFileSync(join(client, file), TYPED);
  const common = ['--noEmit', '--strict', '--target', 'es2022', '--lib', 'es2023,dom'];
  const types = ['--typeRoots', join(root, 'node_modules', '@types'), '--types', 'node'];
  await exec(tsc, [...common, ...types, ...options, ...files], { cwd: client }).catch((error: { stdout: string }) => {
    assert.fail(`tsc ${options.join(' ')}:\n${error.stdout}`);
  });
}

test('a .cts and a CommonJS .ts file type-check every subpath under module node16', { skip }, async () => {
  await typecheck(['typed.cts', 'typed.ts'], ['--module', 'node16', '--moduleResolution', 'node16']);
});

test('a node10-style resolution (no exports map) finds the types through typesVersions', { skip }, async () => {
  // TypeScript 7 removed moduleResolution node10; what set it apart, ignoring package.json exports, is
  // resolvePackageJsonExports: false, so this is the same lookup (checked by hand with TypeScript 5.9).
  const options = ['--module', 'esnext', '--moduleResolution', 'bundler', '--resolvePackageJsonExports', 'false'];
  await typecheck(['typed-node10.ts'], options);
});

test('hotline/hub without better-sqlite3 names the package to install when a SQLite log is opened', {
  skip,
}, async () => {
  const script = `
const { createSqliteLog } = require('hotline/hub');
try { createSqliteLog('events.db'); } catch (error) { console.log(error.code, error.message); }`;
  const output = await node(client, 'sqlite.cjs', script);
  assert.match(output, /^HOTLINE_HUB_MISSING_DEPENDENCY .*npm install better-sqlite3/);
});

test('one install of hotline-hub brings every driver and re-exports hotline/hub', { skip }, async () => {
  const modules = readdirSync(join(hub, 'node_modules'));
  for (const driver of DRIVERS) assert.ok(modules.includes(driver), `${driver} is missing`);
  const main = await node(hub, 'main.mjs', "import { createHub } from 'hotline-hub'; console.log(typeof createHub);");
  assert.equal(main, 'function');
});

test('hotline serve from the hotline-hub install stores in SQLite by default', { skip }, async () => {
  const release = join('node_modules', 'better-sqlite3', 'build', 'Release');
  mkdirSync(join(hub, release), { recursive: true });
  copyFileSync(join(root, release, 'better_sqlite3.node'), join(hub, release, 'better_sqlite3.node'));
  const bin = join(hub, 'node_modules', '.bin', 'hotline');
  const child = spawn(bin, ['serve', '--port', '0', '--data-dir', 'data', '--dev', '--no-demo'], { cwd: hub });
  try {
    const origin = await listening(child);
    const health = await fetch(`${origin}/healthz`);
    assert.equal(health.status, 200);
    assert.ok(
      tree(join(hub, 'data')).some((file) => file.endsWith('.db')),
      'no SQLite file in the data dir',
    );
  } finally {
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('close', resolve));
  }
});

function listening(child: ChildProcess): Promise<string> {
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hotline serve did not start: ${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = /listening on (http:\/\/[^/\s]+)/.exec(output);
      if (match === null) return;
      clearTimeout(timer);
      resolve(match[1]!);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`hotline serve exited (${code}): ${output}`));
    });
  });
}
