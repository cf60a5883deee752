import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../app/src/config';

/** "100k", "100kb", "1m": the byte count nginx and the app mean by it (k and m are 1024-based in both). */
function bytes(size: string): number {
  const m = /^(\d+)\s*(k|m)?b?$/i.exec(size.trim());
  if (!m) throw new Error(`not a size: ${size}`);
  return Number(m[1]) * (m[2] ? 1024 ** (m[2].toLowerCase() === 'k' ? 1 : 2) : 1);
}

// The body limit is the app's (BODY_LIMIT, config.ts): nginx refuses the same size first, so an oversized body
// never reaches Node. Two files must say one number; this keeps them from drifting.
it("nginx's client_max_body_size is the app's default BODY_LIMIT", () => {
  const conf = fs.readFileSync(path.join(__dirname, '../../nginx/snippets/server-common.conf'), 'utf8');
  const nginx = /^client_max_body_size\s+(\S+);/m.exec(conf)?.[1];
  const app = loadConfig({ NODE_ENV: 'test' }).bodyLimit;

  expect(nginx).toBeDefined();
  expect(bytes(nginx!)).toBe(bytes(app));
});
