import fs from 'node:fs';
import path from 'node:path';
import { docsScreenshotDir } from '../support/browser';
import { projectRoot } from '../support/stack';

// `npm run screenshots` rewrites the README's pictures from the browser tests: each one must be a page those
// tests take (else it could never be refreshed), and the README must show only pictures that exist.
const browserTests = ['test/browser', 'app/src']
  .flatMap((dir) =>
    fs
      .readdirSync(path.join(projectRoot, dir), { recursive: true, encoding: 'utf8' })
      .map((f) => path.join(dir, f)),
  )
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => fs.readFileSync(path.join(projectRoot, f), 'utf8'))
  .join('\n');
const taken = new Set([...browserTests.matchAll(/screenshot\(page, '([\w-]+)'\)/g)].map((m) => m[1]));

it('takes every picture in docs/screenshots/ in a browser test', () => {
  const committed = fs.readdirSync(docsScreenshotDir).filter((f) => f.endsWith('.png'));

  expect(committed.length).toBeGreaterThan(0);
  expect(committed.filter((f) => !taken.has(f.replace(/\.png$/, '')))).toEqual([]);
});

it('shows in the README only pictures that are there', () => {
  const readme = fs.readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
  const shown = [...readme.matchAll(/docs\/screenshots\/([\w-]+\.png)/g)].map((m) => m[1]!);

  expect(shown.length).toBeGreaterThan(0);
  expect(shown.filter((f) => !fs.existsSync(path.join(docsScreenshotDir, f)))).toEqual([]);
});
