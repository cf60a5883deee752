import fs from 'node:fs';
import path from 'node:path';

/**
 * The product's names, from package.json: the one source of truth that scripts/make-it-your-own.sh rewrites.
 * Code reads them from here instead of repeating them (logger service name, page titles, default database).
 */
export interface Product {
  /** package.json "name": compose project, logger service name, image and path prefixes. */
  slug: string;
  /** Shown in page titles and the header, unless APP_NAME overrides it. */
  displayName: string;
  /** Default database name. */
  database: string;
  /** Default app image (without tag). */
  image: string;
  version: string;
}

interface PackageJson {
  name?: unknown;
  version?: unknown;
  product?: { displayName?: unknown; database?: unknown; image?: unknown };
}

/**
 * The nearest package.json above `startDir`: ../../package.json from app/src and app/dist, ../package.json in
 * the Docker image (/app/dist next to /app/package.json).
 */
function readPackageJson(startDir: string): PackageJson {
  let dir = startDir;
  for (let i = 0; i < 4; i++) {
    try {
      return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageJson;
    } catch {
      dir = path.dirname(dir); // not here, go up
    }
  }
  return {};
}

const str = (value: unknown, fallback: string): string =>
  typeof value === 'string' && value.length > 0 ? value : fallback;

export function readProduct(startDir: string = __dirname): Product {
  const pkg = readPackageJson(startDir);
  const slug = str(pkg.name, 'app');
  return {
    slug,
    displayName: str(pkg.product?.displayName, slug),
    database: str(pkg.product?.database, slug),
    image: str(pkg.product?.image, `${slug}/app`),
    version: str(pkg.version, '0.0.0-unknown'),
  };
}

/** Read once at import. */
export const PRODUCT: Product = readProduct();
