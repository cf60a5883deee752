import fs from 'node:fs';
import path from 'node:path';

/**
 * Version from the nearest package.json above this file: ../../package.json from app/src and app/dist,
 * ../package.json in the Docker image (/app/dist next to /app/package.json).
 */
export function readPackageVersion(startDir: string = __dirname): string {
  let dir = startDir;
  for (let i = 0; i < 4; i++) {
    const candidate = path.join(dir, 'package.json');
    try {
      const pkg = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { version?: unknown };
      if (typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here, go up
    }
    dir = path.dirname(dir);
  }
  return '0.0.0-unknown';
}
