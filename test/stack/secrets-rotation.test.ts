import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { httpClient } from '../support/http';
import { mongoshResult } from '../support/mongosh';
import { registerAccount, submitForm } from '../support/accounts';
import { postPaths, validPost } from '../support/posts';
import { copyTrackedFiles, useStack } from '../support/stack';

// Rotating the app's database password exactly as docs/secrets.md says (remove the file, scripts/secrets-apply.sh,
// recreate the app), on a copy of the checkout: the copy has its own ./secrets, so no other stack on this
// machine (a developer's own, or another test's) sees its passwords change.
jest.setTimeout(300_000);

const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'rotation-'));
copyTrackedFiles(copy, [
  'docker-compose.yml',
  'Dockerfile',
  '.dockerignore',
  'mongo',
  'nginx',
  'scripts',
  'secrets',
]);
const stack = useStack({ label: 'rotation', root: copy });
afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));

const appPasswordFile = '/run/secrets/app_db/db_password';

/** The app's password as a container sees its secret file. */
async function passwordSeenBy(service: 'mongo_db' | 'app'): Promise<string> {
  const r = await stack.current.exec(service, ['cat', appPasswordFile]);
  expect(r.exitCode).toBe(0);
  return r.output.trim();
}

/** Logs in to MongoDB as `app` with `password` (sent base64-encoded, on no command line): 'ok' or the error. */
async function loginAsApp(password: string): Promise<string> {
  const js = `try { db.getSiblingDB('admin').auth('app', ${JSON.stringify(password)}); print('LOGIN ok'); }
    catch (e) { print('LOGIN ' + (e.codeName || e.code || e.message)); }`;
  return mongoshResult(stack.current, js, 'LOGIN');
}

it("rotates the app's password: the new one works, the old one is refused, the app serves the same data", async () => {
  const site = httpClient(stack.current.baseUrl);
  const writer = await registerAccount(site, 'rotation');
  const fields = { ...validPost('Written before the rotation') };
  const { res: created } = await submitForm(site, postPaths.newForm, postPaths.list, fields, writer.cookie);
  expect(created.status).toBe(303);
  const postPath = String(created.headers.location);
  const oldPassword = await passwordSeenBy('mongo_db');

  fs.rmSync(path.join(copy, 'secrets', 'app_db', 'db_password'));
  const applied = spawnSync('bash', ['scripts/secrets-apply.sh'], {
    cwd: copy,
    env: { ...process.env, ...stack.current.env, COMPOSE_PROJECT_NAME: stack.current.projectName },
    encoding: 'utf8',
  });
  await stack.current.compose(['up', '-d', '--force-recreate', '--wait', 'app']);

  expect({ status: applied.status, output: applied.stdout + applied.stderr }).toEqual({
    status: 0,
    output: expect.stringContaining('secrets-apply.sh: done'),
  });
  const newPassword = await passwordSeenBy('mongo_db');
  expect(newPassword).toMatch(/^\S{20,}$/);
  expect(newPassword).not.toBe(oldPassword);
  expect(await passwordSeenBy('app')).toBe(newPassword);
  expect(await loginAsApp(newPassword)).toBe('ok');
  expect(await loginAsApp(oldPassword)).toBe('AuthenticationFailed');
  expect((await site.get('/readyz')).status).toBe(200);
  const post = await site.get<string>(postPath, { responseType: 'text' });
  expect(post.status).toBe(200);
  expect(post.data).toContain('Written before the rotation');
});
