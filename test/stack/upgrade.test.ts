// An upgrade as an operator does it: the release before accounts (PREVIOUS_RELEASE, built from git) writes a
// volume, then today's files and image start on that volume: the migrate one-shot runs first, and every post
// is still listed and paged.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { registerAccount, apiWrite } from '../support/accounts';
import { httpClient } from '../support/http';
import { postPaths, validPost } from '../support/posts';
import { walkCursor } from '../support/posts-listing';
import { appImage } from '../support/product';
import { copyTrackedFiles, projectRoot, startStack, type Stack } from '../support/stack';

jest.setTimeout(600_000);

/** The last commit before accounts and migrations (posts without owner or version, anonymous writes). */
const PREVIOUS_RELEASE = '89a793f76a3e1b02caade700de591c67eb40f683';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upgrade-'));
let stack: Stack | undefined;
afterAll(async () => {
  await stack?.down();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('starts today on a volume the previous release wrote: migrated once, every post listed and paged', async () => {
  // Arrange: the previous release, from git, its image built from its own Dockerfile; it seeds 45 posts and
  // takes three more through its API (anonymous writes, as it allowed).
  const archive = execFileSync('git', ['archive', PREVIOUS_RELEASE], {
    cwd: projectRoot,
    maxBuffer: 1 << 30,
  });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  const old = await startStack({
    label: 'upgrade',
    root: dir,
    env: { APP_IMAGE: `${appImage.split(':')[0]}:previous-release`, SEED_COUNT: '45' },
    startupTimeoutMs: 400_000,
  });
  stack = old;
  for (const n of [1, 2, 3]) {
    const input = { ...validPost(`Old release ${n}`), author: 'Before accounts' }; // it required an author
    const res = await httpClient(old.baseUrl).post(postPaths.api, input);
    expect(res.status).toBe(201);
  }
  const before = (await walkCursor(httpClient(old.baseUrl), `${postPaths.api}?limit=10`)).flat();
  await old.down({ removeVolumes: false });

  // Act: today's files and image on the same project and volume.
  // Today's compose files and what they mount, over the old checkout (its generated secrets stay).
  copyTrackedFiles(dir, ['docker-compose.yml', 'Dockerfile', '.dockerignore', 'mongo', 'nginx', 'secrets']);
  stack = await startStack({
    label: 'upgrade',
    root: dir,
    projectName: old.projectName,
    env: { ...old.env, APP_IMAGE: appImage },
  });
  const http = httpClient(stack.baseUrl);
  const after = (await walkCursor(http, `${postPaths.api}?limit=10`)).flat();
  const page3 = await http.get(`${postPaths.list}?page=3&limit=10`);
  const migrateLog = await stack.compose(['logs', '--no-log-prefix', 'migrate']);
  const someone = await registerAccount(http, 'upgrade');
  const oldPost = await http.get(postPaths.apiItem(before[0]!));
  const change = await http.patch(
    postPaths.apiItem(before[0]!),
    { title: 'Taken over' },
    {
      headers: { ...apiWrite(someone), 'if-match': oldPost.headers.etag },
    },
  );

  // Assert
  console.log(
    `[upgrade] ${before.length} posts before, ${after.length} after; migrate: ${migrateLog.trim()}`,
  );
  expect(before).toHaveLength(48);
  expect(after).toEqual(before);
  expect(page3.status).toBe(200);
  expect(migrateLog).toMatch(/migrated .*20261204000000-accounts\.js/);
  expect(oldPost.headers.etag).toBe('"v0"');
  expect(change.status).toBe(403); // no owner: only an admin may change it
});
