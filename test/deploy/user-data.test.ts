import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { docker } from '../support/docker';
import { httpClient } from '../support/http';
import { appImage, slug } from '../support/product';
import { projectRoot } from '../support/stack';
import getPort from 'get-port';
import { createLoginUser, LoginUser, runScript, tempWorkDir } from '../support/hosts';

// scripts/ec2/user-data.sh on this machine, past the package step (SKIP_PACKAGES=1: Docker is here already):
// it clones the project from a git URL at a ref, writes .env with a generated secret, writes the systemd unit
// and starts the stack; run again, it keeps the secret. The stack folder is handed to a throwaway login user
// (standing in for ec2-user), who then runs the day-two commands without sudo. Installing packages on
// AL2023/Ubuntu is not tested here.
jest.setTimeout(240_000);

const project = `${slug}-userdata-${randomUUID().slice(0, 8)}`;
let work: string;
let user: LoginUser;
let stackDir: string;
const rootPasswordFile = () => path.join(stackDir, 'secrets', 'mongo_db', 'root_password');
let unitDir: string;
let env: NodeJS.ProcessEnv;
let httpPort: number;

const envValue = (key: string) =>
  fs.readFileSync(path.join(stackDir, '.env'), 'utf8').match(new RegExp(`^${key}=(.*)$`, 'm'))?.[1];

beforeAll(async () => {
  work = tempWorkDir(`${slug}-userdata-test`);
  user = await createLoginUser('userdatatest');
  // Under the user's home: the test's temp folder is root-only, and /opt is this machine's.
  stackDir = path.join(user.home, slug);
  unitDir = path.join(work, 'systemd');
  httpPort = await getPort();
  // The "git URL": a bare clone of this repository's committed HEAD.
  const bare = path.join(work, `${slug}.git`);
  execFileSync('git', ['clone', '--quiet', '--bare', projectRoot, bare]);
  env = {
    ...process.env,
    SKIP_PACKAGES: '1',
    REPO_URL: `file://${bare}`,
    REPO_REF: 'HEAD',
    STACK_DIR: stackDir,
    HTTP_PORT: String(httpPort),
    HTTPS_PORT: String(await getPort()),
    APP_IMAGE: appImage, // built once by the global setup
    UNIT_DIR: unitDir,
    USE_SYSTEMD: '0', // the unit goes to a temp dir, never to this machine's systemd
    LOG_FILE: path.join(work, 'setup.log'),
    COMPOSE_PROJECT_NAME: project,
    SEED_COUNT: '5',
    LOGIN_USER: user.name,
    SSM_USER: '', // never create users on this machine beyond the throwaway one
    // user-data trusts the checkout for every user in git's system config: a file the user can read, not /etc/gitconfig.
    GIT_CONFIG_SYSTEM: path.join(user.home, 'system-gitconfig'),
  };
});

afterAll(async () => {
  if (stackDir && fs.existsSync(path.join(stackDir, 'docker-compose.yml'))) {
    await docker([
      'compose',
      '-p',
      project,
      '--project-directory',
      stackDir,
      'down',
      '-v',
      '--remove-orphans',
    ]).catch((e) => console.error(e));
  }
  await user?.remove();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** Runs a shell command line as the login user (its groups included, as after a fresh login). */
function asLoginUser(command: string): { code: number; output: string } {
  try {
    const output = execFileSync(
      'runuser',
      ['-u', user.name, '--', 'env', `GIT_CONFIG_SYSTEM=${env.GIT_CONFIG_SYSTEM}`, 'bash', '-c', command],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return { code: 0, output };
  } catch (error) {
    const {
      status,
      stdout = '',
      stderr = '',
    } = error as { status?: number; stdout?: string; stderr?: string };
    return { code: status ?? -1, output: `${stdout}${stderr}` };
  }
}

it('clones the project, writes .env (no secret in it) and the systemd unit, starts the stack; a rerun keeps the passwords in secrets/', async () => {
  const first = await runScript(path.join(projectRoot, 'scripts', 'ec2', 'user-data.sh'), [], env);
  console.log(`[user-data] first run: exit ${first.code} in ${first.seconds.toFixed(1)} s\n${first.output}`);
  const secret = fs.readFileSync(rootPasswordFile(), 'utf8');
  const health = await httpClient(`http://127.0.0.1:${httpPort}`).get('/healthz');
  const second = await runScript(path.join(projectRoot, 'scripts', 'ec2', 'user-data.sh'), [], env);
  console.log(
    `[user-data] second run: exit ${second.code} in ${second.seconds.toFixed(1)} s\n${second.output}`,
  );
  const unit = fs.readFileSync(path.join(unitDir, `${slug}.service`), 'utf8');

  expect(first.code).toBe(0);
  expect(health.status).toBe(200);
  expect(secret).toMatch(/^[A-Za-z0-9]{32,}$/);
  expect(fs.readFileSync(path.join(stackDir, '.env'), 'utf8')).not.toMatch(/PASSWORD|SECRET|TOKEN/);
  const envStat = fs.statSync(path.join(stackDir, '.env'));
  expect(envStat.mode & 0o777).toBe(0o640);
  expect(envStat.uid).toBe(fs.statSync(user.home).uid);
  expect(envStat.gid).toBe(
    Number(execFileSync('getent', ['group', 'docker'], { encoding: 'utf8' }).split(':')[2]),
  );
  expect(envValue('HTTP_PORT')).toBe(String(httpPort));
  expect(fs.existsSync(path.join(stackDir, '.git'))).toBe(true);
  expect(unit).toContain(`WorkingDirectory=${stackDir}`);
  expect(unit).toMatch(/^ExecStart=\/usr\/bin\/docker compose up -d --wait/m);
  expect(unit).toContain('Requires=docker.service');
  expect(unit).toContain('WantedBy=multi-user.target');
  expect(second.code).toBe(0);
  expect(fs.readFileSync(rootPasswordFile(), 'utf8')).toBe(secret); // never overwritten
  expect((await httpClient(`http://127.0.0.1:${httpPort}`).get('/')).status).toBe(200);
});

it('day two as the login user, without sudo: compose ps/logs/config, a git fetch, a .env edit, a deploy folder', () => {
  const p = `-p ${project}`;
  const result = asLoginUser(
    [
      `cd ${stackDir}`,
      `docker compose ${p} ps --format '{{.Service}} {{.State}}'`,
      `docker compose ${p} logs --tail 1 app >/dev/null`,
      `docker compose ${p} config -q`,
      'git status --short >/dev/null',
      "sed -i 's/^SEED_COUNT=.*/SEED_COUNT=5/' .env",
      'mkdir .incoming && rmdir .incoming',
      'id -un',
    ].join(' && '),
  );

  expect(result.output).not.toMatch(/permission denied|dubious ownership/i);
  expect(result.code).toBe(0);
  expect(result.output).toMatch(/^app running$/m);
  expect(result.output.trim().split('\n').pop()).toBe(user.name);
  expect(fs.statSync(path.join(stackDir, '.env')).mode & 0o777).toBe(0o640); // sed -i kept the mode
});

it('never writes a token from REPO_URL to its output or log', async () => {
  const token = 'tok3n-never-logged';
  const logFile = path.join(work, 'token.log');
  const result = await runScript(path.join(projectRoot, 'scripts', 'ec2', 'user-data.sh'), [], {
    ...env,
    // Nothing listens on port 9: the clone fails at once, after git and the script have printed the URL.
    REPO_URL: `https://deploy:${token}@127.0.0.1:9/${slug}.git`,
    STACK_DIR: path.join(work, 'token-stack'),
    LOG_FILE: logFile,
  });

  expect(result.code).not.toBe(0);
  expect(result.output).toContain('127.0.0.1:9/'); // the URL was printed, without its credentials
  expect(result.output).not.toContain(token);
  expect(fs.readFileSync(logFile, 'utf8')).not.toContain(token);
  expect(fs.statSync(logFile).mode & 0o777).toBe(0o640);
});
