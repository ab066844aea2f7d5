#!/usr/bin/env node
// Builds the dashboard and demo (web/src → web/dist) with esbuild: one ES module bundle per page, its
// CSS (uPlot's included) split out, minified, with source maps. Run by `npm run build` (and so by
// `npm ci` through `prepare`); `--watch` rebuilds on change; `--outdir <dir>` builds elsewhere (tests).
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'web', 'src');
const outdirAt = process.argv.indexOf('--outdir');
const out = outdirAt === -1 ? join(root, 'web', 'dist') : resolve(process.argv[outdirAt + 1] ?? '');
const watch = process.argv.includes('--watch');

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
for (const file of ['dashboard.html', 'demo.html', 'style.css']) await copyFile(join(src, file), join(out, file));

const options = {
  entryPoints: [join(src, 'dashboard.ts'), join(src, 'demo.ts')],
  outdir: out,
  bundle: true,
  format: 'esm',
  target: ['es2022'],
  minify: !watch,
  sourcemap: true,
  logLevel: watch ? 'info' : 'warning',
};
if (watch) {
  const context = await esbuild.context(options);
  await context.watch();
} else {
  const result = await esbuild.build({ ...options, metafile: true });
  const sizes = Object.entries(result.metafile.outputs)
    .filter(([name]) => !name.endsWith('.map'))
    .map(([name, output]) => `${basename(name)} ${(output.bytes / 1024).toFixed(1)} KiB`);
  console.log(`build-web: ${out}: ${sizes.join(', ')}`);
}
