import { PRODUCT } from '../../app/src/product';

/**
 * The name the pages show: APP_NAME's default, the product's display name from package.json. Tests never
 * set APP_NAME, so they expect this, and a renamed fork's tests keep passing unchanged.
 */
export const appName = PRODUCT.displayName;

/** The welcome page's heading. */
export const welcomeText = `Welcome to ${appName}`;

/** The app image the stack tests build once (global setup) and the deploy tests start from. */
export const appImage = process.env.APP_IMAGE || `${PRODUCT.image}:latest`;

/** The product's short name, for compose projects, directories and unit names the tests create. */
export const slug = PRODUCT.slug;
