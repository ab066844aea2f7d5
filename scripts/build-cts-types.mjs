#!/usr/bin/env node
// Writes a CommonJS-format twin (`x.d.cts`) of every declaration file in dist/, for the `require`
// condition of package.json's exports. Node ≥ 20.19 can require() our ESM, but TypeScript with
// `module: node16` refuses a `.cts` (or CommonJS `.ts`) file importing an ESM-format `.d.ts` (TS1479),
// and skipLibCheck does not help there. The twin describes the same named exports, which is exactly what
// require(esm) returns (no entry has a default export). Run by `npm run build` after tsc; an argument
// names another output directory (test/package builds into a temporary one).
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = process.argv[2] ? resolve(process.argv[2]) : join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
// Relative specifiers only: `from './x.js'`, `import('./x.js')`; packages keep their own resolution.
const relative = /((?:from|import\()\s*['"])(\.{1,2}\/[^'"]+)\.js(['"])/g;

// A type-only import of a package (jose is ESM-only) needs its resolution mode spelled out in a CommonJS
// declaration file (TS1541): it is resolved as the ESM build resolves it.
const packageTypeImport = /^(import type [^;]*? from ['"][^.'"][^'"]*['"])(;)$/gm;

let count = 0;
for (const entry of await readdir(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
  const file = join(entry.parentPath, entry.name);
  const text = await readFile(file, 'utf8');
  const cts = text
    .replace(relative, '$1$2.cjs$3')
    .replace(packageTypeImport, "$1 with { 'resolution-mode': 'import' }$2")
    .replace(/^\/\/# sourceMappingURL=.*$/m, '');
  await writeFile(file.replace(/\.d\.ts$/, '.d.cts'), cts);
  count++;
}
console.log(`build-cts-types: ${count} declaration files twinned as .d.cts`);
