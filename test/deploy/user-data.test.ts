import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { docker } from '../support/docker';
import { httpClient } from '../support/http';
import { appImage, slug } from '../support/product';
import { projectRoot } from '../support/stack';
import getPort from 'get-port';
import { runScript, tempWorkDir } from './support/hosts';

// scripts/ec2/user-data.sh on this machine, past the package step (SKIP_PACKAGES=1: Docker is here already):
// it clones the project from a git URL at a ref, writes .env with a generated secret, writes the systemd unit
// and starts the stack; run again, it keeps the secret. Installing packages on AL2023/Ubuntu is not tested here.
jest.setTimeout(240_000);

const project = `${slug}-userdata-${randomUUID().slice(0, 8)}`;
let work: string;
let stackDir: string;
let unitDir: string;
let env: NodeJS.ProcessEnv;
let httpPort: number;

const envValue = (key: string) =>
  fs.readFileSync(path.join(stackDir, '.env'), 'utf8').match(new RegExp(`^${key}=(.*)$`, 'm'))?.[1];

beforeAll(async () => {
  work = tempWorkDir(`${slug}-userdata-test`);
  stackDir = path.join(work, 'opt', slug);
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
    APP_IMAGE: appImage, // built once by the global setup
    UNIT_DIR: unitDir,
    USE_SYSTEMD: '0', // the unit goes to a temp dir, never to this machine's systemd
    LOG_FILE: path.join(work, 'setup.log'),
    COMPOSE_PROJECT_NAME: project,
    SEED_COUNT: '5',
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
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

it('clones the project, writes .env with a generated secret and the systemd unit, starts the stack; a rerun keeps the secret', async () => {
  const first = await runScript(path.join(projectRoot, 'scripts', 'ec2', 'user-data.sh'), [], env);
  console.log(`[user-data] first run: exit ${first.code} in ${first.seconds.toFixed(1)} s\n${first.output}`);
  const secret = envValue('MONGO_ROOT_PASSWORD');
  const health = await httpClient(`http://127.0.0.1:${httpPort}`).get('/healthz');
  const second = await runScript(path.join(projectRoot, 'scripts', 'ec2', 'user-data.sh'), [], env);
  console.log(
    `[user-data] second run: exit ${second.code} in ${second.seconds.toFixed(1)} s\n${second.output}`,
  );
  const unit = fs.readFileSync(path.join(unitDir, `${slug}.service`), 'utf8');

  expect(first.code).toBe(0);
  expect(health.status).toBe(200);
  expect(secret).toMatch(/^[A-Za-z0-9]{32}$/);
  expect(fs.statSync(path.join(stackDir, '.env')).mode & 0o077).toBe(0);
  expect(envValue('HTTP_PORT')).toBe(String(httpPort));
  expect(fs.existsSync(path.join(stackDir, '.git'))).toBe(true);
  expect(unit).toContain(`WorkingDirectory=${stackDir}`);
  expect(unit).toMatch(/^ExecStart=\/usr\/bin\/docker compose up -d --wait/m);
  expect(unit).toContain('Requires=docker.service');
  expect(unit).toContain('WantedBy=multi-user.target');
  expect(second.code).toBe(0);
  expect(envValue('MONGO_ROOT_PASSWORD')).toBe(secret); // never overwritten
  expect((await httpClient(`http://127.0.0.1:${httpPort}`).get('/')).status).toBe(200);
});
