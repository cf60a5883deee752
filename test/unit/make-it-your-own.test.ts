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

  const result = run([slug, 'Acme Notes', '--remove-demo', '--no-screenshots']);

  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(readJson('package.json')).toMatchObject({
    name: slug,
    product: { displayName: 'Acme Notes', database: slug.replace(/-/g, '_'), image: `${slug}/app` },
  });
  expect(readJson('package-lock.json').name).toBe(slug);
  // git grep exits 1 when nothing matches. CI's recorded bench data keeps the name it was recorded under.
  expect(
    spawnSync('git', ['grep', '-n', '-I', '-F', oldName, '--', '.', ':!.ci'], { cwd: copy }).status,
  ).toBe(1);
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
  // The demo is gone from the docs too, and the tables the new name changed are realigned.
  const demoLeft = spawnSync(
    'git',
    [
      'grep',
      '-n',
      '-i',
      'fibonacci',
      '--',
      'README.md',
      'CONTRIBUTING.md',
      'docs',
      'monitoring',
      'jest.config.js',
    ],
    { cwd: copy, encoding: 'utf8' },
  );
  expect(demoLeft.stdout).toBe('');
  const prettier = spawnSync(
    process.execPath,
    [require.resolve('prettier/bin/prettier.cjs'), '--check', '.'],
    {
      cwd: copy,
      encoding: 'utf8',
    },
  );
  expect(prettier.stdout + prettier.stderr).toContain('All matched files use Prettier code style!');
  expect(prettier.status).toBe(0);
}, 120_000);

it('changes nothing when run again with the same names', () => {
  const { name } = readJson('package.json') as { name: string };
  git(['add', '-A']);
  git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'renamed', '--allow-empty']);

  const again = run([
    name,
    readJson('package.json').product.displayName,
    '--remove-demo',
    '--no-screenshots',
  ]);

  expect(again.stderr).toBe('');
  expect(again.status).toBe(0);
  expect(again.stdout).toContain(`already called '${name}'`);
  expect(git(['status', '--porcelain'])).toBe('');
});

it('replaces the name only where it stands alone, never inside a longer word or in the code', () => {
  const { name, product } = readJson('package.json') as { name: string; product: { displayName: string } };
  // A fork whose resource shares the product's name: the code's `${name}Router` and /${name} paths must stay.
  fs.writeFileSync(
    path.join(copy, 'app/src/kept.ts'),
    `export const ${name.replace(/-/g, '')}Router = '/${name}';\n`,
  );
  fs.appendFileSync(path.join(copy, 'docs/ec2.md'), `\nSee ${name}.service and ${name}x and x${name}.\n`);
  git(['add', '-A']);
  git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'words']);

  const result = run(['other-name', product.displayName, '--no-screenshots']);

  expect(result.status).toBe(0);
  expect(fs.readFileSync(path.join(copy, 'app/src/kept.ts'), 'utf8')).toContain(`'/${name}'`);
  expect(fs.readFileSync(path.join(copy, 'docs/ec2.md'), 'utf8')).toContain(
    `See other-name.service and ${name}x and x${name}.`,
  );
});

it('renames to a name that extends the old one (the old name inside the new one is no leftover)', () => {
  const { name, product } = readJson('package.json') as { name: string; product: { displayName: string } };
  git(['add', '-A']);
  git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'before', '--allow-empty']);

  const result = run([`${name}-pro`, product.displayName, '--no-screenshots']);

  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(readJson('package.json').name).toBe(`${name}-pro`);
});
