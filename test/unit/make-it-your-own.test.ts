import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// scripts/make-it-your-own.sh on a copy of this checkout (tracked and new files, as a fork would have them).
const root = path.resolve(__dirname, '..', '..');
const script = 'scripts/make-it-your-own.sh';
let copy: string;

const git = (args: string[], cwd = copy) => execFileSync('git', args, { cwd, encoding: 'utf8' });
const run = (args: string[]) => spawnSync('bash', [script, ...args], { cwd: copy, encoding: 'utf8' });
const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(copy, file), 'utf8'));

beforeAll(() => {
  copy = fs.mkdtempSync(path.join(os.tmpdir(), 'fork-'));
  const files = git(['ls-files', '-z', '--cached', '--others', '--exclude-standard'], root)
    .split('\0')
    .filter((f) => f && fs.existsSync(path.join(root, f)));
  for (const f of files) fs.cpSync(path.join(root, f), path.join(copy, f), { recursive: true });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'));
  git(['init', '-q']);
  git(['add', '-A']);
  git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'fork']);
});

afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));

it('explains itself with --help and refuses a bad slug without touching anything', () => {
  const oldName = readJson('package.json').name;

  const help = run(['--help']);
  const bad = run(['Not A Slug', 'Notes']);

  expect(help.status).toBe(0);
  expect(help.stdout).toMatch(/--remove-demo/);
  expect(bad.status).not.toBe(0);
  expect(bad.stderr).toMatch(/slug/);
  expect(readJson('package.json').name).toBe(oldName);
});

it('renames the product everywhere, removes the demo, and the result still typechecks', () => {
  const oldName = readJson('package.json').name as string;
  // A slug unrelated to the current one, so a fork that is already renamed can run this too.
  const slug = ['acme-notes', 'zeta-board'].find((s) => !s.includes(oldName) && !oldName.includes(s))!;

  const result = run([slug, 'Acme Notes', '--remove-demo']);

  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(readJson('package.json')).toMatchObject({
    name: slug,
    product: { displayName: 'Acme Notes', database: slug.replace(/-/g, '_'), image: `${slug}/app` },
  });
  expect(readJson('package-lock.json').name).toBe(slug);
  // git grep exits 1 when nothing matches.
  expect(spawnSync('git', ['grep', '-n', '-I', '-F', oldName], { cwd: copy }).status).toBe(1);
  expect(fs.existsSync(path.join(copy, 'app/src/fibonacci'))).toBe(false);
  expect(fs.readFileSync(path.join(copy, 'docker-compose.yml'), 'utf8')).toMatch(
    new RegExp(`^name: ${slug}$`, 'm'),
  );
  const tsc = spawnSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.json'],
    {
      cwd: copy,
      encoding: 'utf8',
    },
  );
  expect(tsc.stdout + tsc.stderr).toBe('');
  expect(tsc.status).toBe(0);
}, 120_000);
