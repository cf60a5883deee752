import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Turns '/public/css/site.css' into '/public/css/site.css?v=<hash of the file>'. */
export type AssetUrl = (url: string) => string;

const HASH_LENGTH = 12;

/**
 * Asset URLs that change exactly when the file does, so proxies and browsers may cache /public for long
 * (nginx keeps a versioned URL for a year). Hashes are computed on first use and kept; with `watch` (development, where
 * compose syncs edited files into a running app) a file is re-hashed when its mtime or size changes.
 * A URL outside `urlPrefix` or a missing file throws: a typo in a template fails its render test.
 */
export function createAssetUrl(
  publicDir: string,
  opts: { urlPrefix?: string; watch?: boolean } = {},
): AssetUrl {
  const prefix = (opts.urlPrefix ?? '/public').replace(/\/$/, '') + '/';
  const root = path.resolve(publicDir);
  const cache = new Map<string, { stamp: string; hash: string }>();

  return (url) => {
    if (!url.startsWith(prefix)) throw new Error(`asset(${JSON.stringify(url)}): must start with ${prefix}`);
    const file = path.resolve(root, url.slice(prefix.length));
    if (!file.startsWith(root + path.sep))
      throw new Error(`asset(${JSON.stringify(url)}): outside ${publicDir}`);
    const cached = cache.get(file);
    if (cached && !opts.watch) return `${url}?v=${cached.hash}`;

    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      throw new Error(`asset(${JSON.stringify(url)}): no such file ${file}`);
    }
    const stamp = `${stat.mtimeMs}:${stat.size}`;
    if (cached?.stamp === stamp) return `${url}?v=${cached.hash}`;
    const hash = createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, HASH_LENGTH);
    cache.set(file, { stamp, hash });
    return `${url}?v=${hash}`;
  };
}
