import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stopServer } from '../../app/src/server';
import { submitForm } from '../support/accounts';
import { dbNameFor, startTestServer, suffix, testConfig, type TestServer } from '../support/http';
import { ownerlessPost, postCollection, postPaths } from '../support/posts';

jest.setTimeout(60_000);

const run = promisify(execFile);
const root = path.join(__dirname, '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const cli = path.join(root, 'app', 'src', 'users', 'user.cli.ts');

describe('npm run user:create', () => {
  let t: TestServer;
  const dbName = dbNameFor(__filename);
  const env = { ...process.env, DB_HOST: testConfig().db.uri, DB_NAME: dbName, LOG_LEVEL: 'warn' };

  beforeAll(async () => {
    t = await startTestServer({ DB_NAME: dbName, REGISTRATION: 'closed' });
  });
  afterAll(async () => {
    await stopServer(t.running);
  });

  it('creates an admin from a password file while registration is closed; the admin may change any post', async () => {
    const username = `admin-${suffix()}`;
    const password = `an admin password ${suffix()}`;
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'user-cli-')), 'password');
    fs.writeFileSync(file, `${password}\n`);
    const { insertedId } = await t.running.db.connection
      .db!.collection(postCollection)
      .insertOne(ownerlessPost('Seeded'));

    const created = await run(
      tsx,
      [cli, username, '--admin', '--name', 'The Admin', '--password-file', file],
      { env },
    );
    const { res, cookie } = await submitForm(t.http, '/login', '/login', { username, password });
    const again = await run(tsx, [cli, username, '--password-file', file], { env }).catch(
      (err: { code: number; stderr: string }) => err,
    );

    expect(created.stdout).toContain(`created admin ${username}`);
    expect(created.stdout + created.stderr).not.toContain(password);
    expect(res.status).toBe(303);
    const account = await t.http.get('/account', { headers: { cookie: cookie! } });
    expect(account.data).toContain('The Admin');
    expect(again).toMatchObject({ code: 1, stderr: expect.stringContaining('exists already') });
    expect((await t.http.get('/register')).status).toBe(403);
    const edit = await t.http.get(postPaths.edit(String(insertedId)), { headers: { cookie: cookie! } });
    expect(edit.status).toBe(200); // an ownerless post: admins only
  });

  it('reads the password from standard input, and refuses a short one (exit 2) without creating anyone', async () => {
    const username = `piped-${suffix()}`;
    const child = (password: string) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const p = execFile(tsx, [cli, username], { env }, (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
        );
        p.stdin!.end(`${password}\n`);
      });

    const short = await child('too short');
    const ok = await child(`a long enough password ${suffix()}`);

    expect(short).toMatchObject({ code: 2, out: expect.stringContaining('at least 12 characters') });
    expect(ok).toMatchObject({ code: 0, out: expect.stringContaining(`created user ${username}`) });
  });
});
