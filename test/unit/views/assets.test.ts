import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAssetUrl } from '../../../app/src/http/assets';

describe('createAssetUrl', () => {
  let dir: string;
  const write = (content: string, mtime: Date) => {
    const file = path.join(dir, 'css', 'site.css');
    fs.writeFileSync(file, content);
    fs.utimesSync(file, mtime, mtime);
  };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assets-'));
    fs.mkdirSync(path.join(dir, 'css'));
    write('body { color: red }', new Date(1_000_000));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('adds a short hash of the content, the same for the same content', () => {
    const url = createAssetUrl(dir)('/public/css/site.css');

    expect(url).toMatch(/^\/public\/css\/site\.css\?v=[0-9a-f]{12}$/);
    expect(createAssetUrl(dir)('/public/css/site.css')).toBe(url);
  });

  it('changes the URL when the file changes (re-hashed on change when watching)', () => {
    const watching = createAssetUrl(dir, { watch: true });
    const before = watching('/public/css/site.css');

    write('body { color: blue }', new Date(2_000_000));

    expect(watching('/public/css/site.css')).not.toBe(before);
    expect(createAssetUrl(dir)('/public/css/site.css')).toBe(watching('/public/css/site.css'));
  });

  it('keeps the first hash without watching (production: files never change under a running app)', () => {
    const fixed = createAssetUrl(dir);
    const before = fixed('/public/css/site.css');

    write('body { color: blue }', new Date(2_000_000));

    expect(fixed('/public/css/site.css')).toBe(before);
  });

  it.each(['/public/css/missing.css', '/elsewhere/site.css', '/public/../package.json'])(
    'refuses %s, so a typo in a template fails its render test',
    (url) => {
      expect(() => createAssetUrl(dir)(url)).toThrow(/asset\(/);
    },
  );
});
