/**
 * Loads the drivers of the event-log backends on use. `better-sqlite3`, `ioredis` and the NATS client are
 * optional peer dependencies of `hotline` (so users of the protocol, client and server entries install no
 * native module and no database or broker client); a hub that needs a missing one fails with
 * `HOTLINE_HUB_MISSING_DEPENDENCY` naming the package to install, not with a bare resolution error.
 * @module
 */
import { createRequire } from 'node:module';
import { HotlineError } from '../../errors.js';

// Resolves from this file, so the driver is found next to `hotline` (the user's node_modules), as a
// static import would.
const require = createRequire(import.meta.url);

/** Loads a CommonJS driver synchronously (`better-sqlite3` is opened by a synchronous constructor). */
export function requireDriver<T>(name: string, backend: string): T {
  try {
    return require(name) as T;
  } catch (error) {
    throw missingOr(error, name, backend);
  }
}

/** Loads a driver through `load` (a literal `import('…')`, so the module's types follow). */
export async function importDriver<T>(name: string, backend: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw missingOr(error, name, backend);
  }
}

/**
 * Only "this very package cannot be found" becomes the catalogue error: a driver that is installed but
 * broken (a native binary built for another Node, a missing transitive file) keeps its own error.
 */
function missingOr(error: unknown, name: string, backend: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  const notFound = code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND';
  const message = error instanceof Error ? error.message : '';
  if (!notFound || !(message.includes(`'${name}'`) || message.includes(`"${name}"`))) return error;
  return new HotlineError(
    'HOTLINE_HUB_MISSING_DEPENDENCY',
    `the ${backend} event log needs the package ${name}, which is not installed: run \`npm install ${name}\` ` +
      '(or install hotline-hub, which brings every event-log driver)',
    { cause: error },
  );
}
