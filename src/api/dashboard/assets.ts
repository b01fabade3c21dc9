/**
 * The dashboard's page and its two assets, read once from `static/` beside this module (the build
 * copies the folder next to the compiled module). No framework and no build step: the files are
 * served as they are in the repository.
 */
import { readFileSync } from 'node:fs';

export interface Asset {
  readonly body: Buffer;
  readonly type: string;
}

/** URL path (under /dashboard) -> file in static/. */
export const assetFiles = {
  '': { file: 'index.html', type: 'text/html; charset=utf-8' },
  'dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  'dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
} as const;

export type AssetName = keyof typeof assetFiles;

export function loadAssets(dir: URL = new URL('./static/', import.meta.url)): Map<AssetName, Asset> {
  const assets = new Map<AssetName, Asset>();
  for (const [name, { file, type }] of Object.entries(assetFiles) as [
    AssetName,
    { file: string; type: string },
  ][])
    assets.set(name, { body: readFileSync(new URL(file, dir)), type });
  return assets;
}

/**
 * Only our own files, no inline code: even a string that slipped into the page as HTML could run
 * nothing (the page inserts every user string as text in the first place, R12).
 */
export const contentSecurityPolicy =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
