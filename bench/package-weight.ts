/**
 * `npm run bench:weight` — what a user pays for `hotline`. Builds and packs this repo, then
 * installs it into throwaway projects from npm's cache (network only for what is not cached):
 * - client-only: `npm install hotline`, as a user of hotline/protocol, /client or /server does now;
 * - with every driver: hotline plus the optional peers (better-sqlite3, ioredis, NATS): what every user
 *   installed before they became optional peers;
 * - hotline-hub (next to the hotline tarball, as the registry would serve it): a hub user's one install.
 * Installs run with --ignore-scripts: better-sqlite3's native build (a prebuilt download, or a minute of
 * compiling) would add its binary and objects, about 18 MB measured once, to the drivers' row only.
 * Then the browser bundle (esbuild, minified, ESM, gzip level 9) of the client next to `eventsource` and
 * `@microsoft/fetch-event-source`. Prints tables and writes bench/results/package-weight.json.
 */
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const exec = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const DRIVERS = ['better-sqlite3', 'ioredis', '@nats-io/jetstream', '@nats-io/transport-node'];

interface InstallWeight {
  packages: number;
  bytes: number;
  nativeModules: string[];
}

/** Bytes of every file under `dir` (what `du -sb` counts, without directory entries). */
function bytesUnder(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

async function install(dir: string, specs: string[]): Promise<InstallWeight> {
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  await exec('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', ...specs], {
    cwd: dir,
  });
  const lock = JSON.parse(readFileSync(join(dir, 'node_modules', '.package-lock.json'), 'utf8')) as {
    packages: Record<string, unknown>;
  };
  const modules = join(dir, 'node_modules');
  // A package that ships a binding.gyp compiles (or downloads) a native addon when installed.
  const nativeModules = Object.keys(lock.packages).filter((path) => existsSync(join(dir, path, 'binding.gyp')));
  return { packages: Object.keys(lock.packages).length, bytes: bytesUnder(modules), nativeModules };
}

interface BundleWeight {
  bytes: number;
  gzipBytes: number;
}

async function bundle(contents: string): Promise<BundleWeight> {
  const result = await esbuild.build({
    stdin: { contents, resolveDir: root, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    write: false,
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  return { bytes: code.byteLength, gzipBytes: gzipSync(code, { level: 9 }).byteLength };
}

const BUNDLES: Record<string, string> = {
  'hotline/client (whole entry)': "export * from './dist/client/index.js';",
  'hotline/client connect()': "export { connect } from './dist/client/index.js';",
  'hotline/client EventSource': "export { EventSource } from './dist/client/index.js';",
  'eventsource (EventSource)': "export { EventSource } from 'eventsource';",
  '@microsoft/fetch-event-source': "export { fetchEventSource } from '@microsoft/fetch-event-source';",
};

const tmp = mkdtempSync(join(tmpdir(), 'hotline-weight-'));

interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
}

async function pack(dir: string): Promise<Packed> {
  const { stdout } = await exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: dir });
  return (JSON.parse(stdout) as [Packed])[0];
}

try {
  // Built first, so that pack's --json output is not mixed with the build's.
  await exec('npm', ['run', 'build'], { cwd: root });
  const packed = await pack(root);
  const tarball = join(tmp, packed.filename);
  const hub = join(tmp, (await pack(join(root, 'packages', 'hotline-hub'))).filename);
  const installs = {
    'client-only (npm install hotline)': await install(join(tmp, 'client'), [tarball]),
    'with every driver (as before)': await install(join(tmp, 'drivers'), [tarball, ...DRIVERS]),
    'hotline-hub': await install(join(tmp, 'hub'), [tarball, hub]),
  };
  const bundles: Record<string, BundleWeight> = {};
  for (const [name, contents] of Object.entries(BUNDLES)) bundles[name] = await bundle(contents);

  const mb = (bytes: number) => (bytes / 1_000_000).toFixed(1);
  const kb = (bytes: number) => (bytes / 1000).toFixed(1);
  console.log(`hotline tarball: ${kb(packed.size)} kB packed, ${kb(packed.unpackedSize)} kB unpacked`);
  console.table(
    Object.fromEntries(
      Object.entries(installs).map(([name, w]) => [
        name,
        { packages: w.packages, MB: mb(w.bytes), native: w.nativeModules.join(' ') || '-' },
      ]),
    ),
  );
  console.table(
    Object.fromEntries(
      Object.entries(bundles).map(([name, b]) => [name, { 'min kB': kb(b.bytes), 'gzip kB': kb(b.gzipBytes) }]),
    ),
  );
  writeFileSync(
    new URL('./results/package-weight.json', import.meta.url),
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        tarball: { bytes: packed.size, unpackedBytes: packed.unpackedSize },
        installs,
        bundles,
      },
      null,
      2,
    )}\n`,
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
