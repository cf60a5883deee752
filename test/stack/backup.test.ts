import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { PRODUCT } from '../../app/src/product';
import { httpClient, uncached } from '../support/http';
import { apiWrite, registerAccount, submitForm } from '../support/accounts';
import { postCollection, postPaths, validPost } from '../support/posts';
import { projectRoot, startStack, type Stack } from '../support/stack';

// scripts/backup.sh and scripts/restore.sh against a real stack: seed, back up, wipe the volume, restore,
// the same posts. The scripts find the stack the way `docker compose` does (COMPOSE_PROJECT_NAME, COMPOSE_FILE).
jest.setTimeout(400_000);

const run = promisify(execFile);
let stack: Stack;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backup-test-'));

beforeAll(async () => {
  stack = await startStack({ label: 'backup' });
});
afterAll(async () => {
  await stack?.down();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs one of the scripts as a user would, with this stack's project and files in the environment. */
async function script(name: string, args: string[], project = stack.projectName) {
  const env = {
    ...process.env,
    ...stack.env,
    COMPOSE_PROJECT_NAME: project,
    COMPOSE_FILE: stack.files.join(path.delimiter),
  };
  try {
    const { stdout, stderr } = await run('bash', [path.join('scripts', name), ...args], {
      cwd: projectRoot,
      env,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const { code, stdout = '', stderr = '' } = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof code !== 'number') throw error;
    return { code, output: stdout + stderr };
  }
}

/** Every post as "id title", sorted: read through nginx with the JSON API, following the `next` cursor links. */
async function allPosts(): Promise<string[]> {
  const posts: string[] = [];
  let url: string | null = `${postPaths.api}?limit=100`;
  for (let n = 0; url && n < 50; n++) {
    // Past nginx's micro-cache: what the database holds now, not a second ago.
    const r = await httpClient(stack.baseUrl).get(url, {
      headers: { accept: 'application/json', ...uncached },
    });
    expect(r.status).toBe(200);
    const data = r.data as { items: { id: string; title: string }[]; next: string | null };
    posts.push(...data.items.map((p) => `${p.id} ${p.title}`));
    url = data.next;
  }
  return posts.sort();
}

it('backs up, and restores the same posts into a wiped volume', async () => {
  const writer = await registerAccount(stack.baseUrl, 'backup');
  for (const n of [1, 2, 3]) {
    const r = await httpClient(stack.baseUrl).post(postPaths.api, validPost(`Backup ${n}`), {
      headers: apiWrite(writer),
    });
    expect(r.status).toBe(201);
  }
  const before = await allPosts();
  const archive = path.join(dir, 'nested', 'posts.archive.gz');

  const backup = await script('backup.sh', [archive]);
  const check = await script('restore.sh', ['--check', archive]);
  // Wipe: down with the volumes, up again under the same project; the app seeds a fresh, different database.
  await stack.down();
  stack = await startStack({ label: 'backup', projectName: stack.projectName, env: stack.env });
  const wiped = await allPosts();
  const restore = await script('restore.sh', [archive]);
  const after = await allPosts();

  console.log(`[backup] ${before.length} posts; ${backup.output.trim()}\n${restore.output.trim()}`);
  expect(backup.code).toBe(0);
  expect(backup.output).toContain(`${PRODUCT.database}.${postCollection}\` (${before.length} documents)`);
  expect(fs.statSync(archive).size).toBeGreaterThan(1000);
  expect(fs.statSync(archive).mode & 0o777).toBe(0o600); // owner only, whatever the caller's umask
  expect(check.output).toContain('check passed');
  expect(check.code).toBe(0);
  expect(wiped).not.toEqual(before);
  expect(restore.output).toContain(
    `${PRODUCT.database}.${postCollection} (${before.length} documents, 0 failures)`,
  );
  expect(restore.code).toBe(0);
  expect(after).toEqual(before);
  // Accounts come back too (a collection of one document is reported as "1 document"), and its owner can
  // log in again with the same password.
  expect(restore.output).toContain(`${PRODUCT.database}.users (1 document, 0 failures)`);
  const login = await submitForm(httpClient(stack.baseUrl), '/login', '/login', {
    username: writer.username,
    password: writer.password,
  });
  expect(login.res.status).toBe(303);
});

it('fails with a clear message when the stack is not running, and on a file that is no archive', async () => {
  const stopped = await script('backup.sh', [path.join(dir, 'x.gz')], `${stack.projectName}-not-running`);
  const gzipped = path.join(dir, 'valid.gz'); // a valid gzip file, so restore.sh gets as far as the stack check
  fs.writeFileSync(gzipped, zlib.gzipSync('not a dump'));
  const restoreStopped = await script('restore.sh', [gzipped], `${stack.projectName}-not-running`);
  const notArchive = await script('restore.sh', [__filename]);

  expect(stopped.code).toBe(1);
  expect(stopped.output).toContain('the stack is not running');
  expect(fs.existsSync(path.join(dir, 'x.gz'))).toBe(false);
  expect(restoreStopped.code).toBe(1);
  expect(restoreStopped.output).toContain('the stack is not running');
  expect(notArchive.code).toBe(1);
  expect(notArchive.output).toContain('is not a gzip archive');
});
