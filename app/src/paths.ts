import path from 'node:path';

/**
 * views/ and public/ are siblings of src/ (tsx, ts-jest) and of dist/ (compiled, and /app/dist in the image),
 * so one relative path works everywhere.
 */
export const VIEWS_DIR = path.join(__dirname, '..', 'views');
export const PUBLIC_DIR = path.join(__dirname, '..', 'public');
