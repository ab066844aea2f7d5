/**
 * The built front end (`web/dist/`, made by `scripts/build-web.mjs`) served from disk: the two pages and
 * their assets, nothing else — names are checked against a strict pattern, so no path can leave the folder.
 * @module
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpRejection } from '../http-errors.js';

/** `web/dist/` of the package: three levels up from both `src/hub/dashboard/` and `dist/hub/dashboard/`. */
export const DEFAULT_ASSETS_DIR = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** One path segment with a known extension: no `/`, no `..`, nothing hidden. */
const ASSET_NAME = /^[a-z0-9][a-z0-9._-]*\.(html|js|css|map|svg)$/i;

/** Sends `name` from `dir`; false when the name is not an asset name (so the caller can answer 404). */
export async function sendAsset(
  req: IncomingMessage,
  res: ServerResponse,
  dir: string,
  name: string,
): Promise<boolean> {
  if (!ASSET_NAME.test(name)) return false;
  let body: Buffer;
  try {
    body = await readFile(join(dir, name));
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw cause;
    if (name.endsWith('.html')) {
      // The pages exist once the package is built; say how to build it rather than a bare 404.
      throw new HttpRejection(503, 'HOTLINE_HUB_UNAVAILABLE', 'the dashboard is not built: run `npm run build`', {
        cause,
      });
    }
    return false;
  }
  const extension = name.slice(name.lastIndexOf('.'));
  res.writeHead(200, {
    'Content-Type': CONTENT_TYPES[extension] ?? 'application/octet-stream',
    'Content-Length': body.byteLength,
    // Unhashed names: revalidate each time, so a rebuilt front end is picked up at once.
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    ...(extension === '.html' ? { 'Content-Security-Policy': CSP } : {}),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}

/** The pages load only their own scripts and styles and talk only to this origin. */
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'";
