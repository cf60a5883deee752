import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { docker } from '../support/docker';
import { httpClient } from '../support/http';
import { registerAccount, submitForm } from '../support/accounts';
import { postPaths, validPost } from '../support/posts';
import { appImage, slug, welcomeText } from '../support/product';
import { projectRoot } from '../support/stack';
import {
  createLoginUser,
  LoginUser,
  Registry,
  runScript,
  ScriptResult,
  SshHost,
  stackDirFor,
  startRegistry,
  startSshHost,
  tempWorkDir,
} from '../support/hosts';
import getPort from 'get-port';
import { escapeRegExp } from '../support/regexp';

// scripts/deploy.sh for real: over SSH (a dedicated sshd on 127.0.0.1 standing in for the EC2 host, with the
// local Docker engine as its Docker), pulling from a real registry (Debian's docker-registry on 127.0.0.1).
// It logs in as a throwaway non-root user in the docker group, into a stack folder made as user-data makes
// it, so anything that needs root on the host fails here as it would for ec2-user.
jest.setTimeout(300_000);

const baseImage = appImage; // built once by the global setup
const id = randomUUID().slice(0, 8);
const project = `${slug}-deploy-${id}`;
const v1 = `${slug}-deploy-test/app:v1-${id}`;
const v2Version = '2.0.0-deploy-test';
const timings: string[] = [];

let work: string;
let remoteDir: string;
let user: LoginUser;
let host: SshHost;
let registry: Registry;
let httpPort: number;
let httpsPort: number;
let images: { v2: string; broken: string; previous: string; pushTest: string };

const repo = () => `${registry.address}/${slug}/app`;
const imageId = async (ref: string) => (await docker(['image', 'inspect', '-f', '{{.Id}}', ref])).trim();
const http = () => httpClient(`http://127.0.0.1:${httpPort}`);
const remoteEnv = () => fs.readFileSync(path.join(remoteDir, '.env'), 'utf8');
const envValue = (key: string) => remoteEnv().match(new RegExp(`^${key}=(.*)$`, 'm'))?.[1];

/** Builds `FROM baseImage` plus the given lines as `tag`. */
async function derivedImage(tag: string, lines: string[]): Promise<void> {
  const dir = fs.mkdtempSync(path.join(work, 'image-'));
  fs.writeFileSync(path.join(dir, 'Dockerfile'), [`FROM ${baseImage}`, ...lines, ''].join('\n'));
  await docker(['build', '-q', '-t', tag, dir]);
}

/** Pushes to the registry and drops the local tag, so the deploy has to pull it. */
async function publish(tag: string): Promise<void> {
  await docker(['push', tag]);
  await docker(['rmi', tag]);
}

async function deploy(
  label: string,
  args: string[],
  env: Record<string, string>,
  script = path.join(projectRoot, 'scripts', 'deploy.sh'),
): Promise<ScriptResult> {
  const passThrough = ['NODE_IMAGE', 'NGINX_IMAGE', 'MONGO_IMAGE']
    .filter((key) => process.env[key])
    .flatMap((key) => ['--set', `${key}=${process.env[key]}`]);
  const result = await runScript(
    script,
    [
      '--dir',
      remoteDir,
      '--project',
      project,
      '--smoke-timeout',
      '15',
      '--set',
      `HTTP_PORT=${httpPort}`,
      '--set',
      `HTTPS_PORT=${httpsPort}`,
      '--set',
      'SEED_COUNT=5',
      ...passThrough,
      ...args,
      host.target,
    ],
    { ...process.env, ...host.env, ...env },
  );
  timings.push(`${label}: ${result.seconds.toFixed(1)} s (exit ${result.code})`);
  console.log(`[deploy] ${label}: exit ${result.code} in ${result.seconds.toFixed(1)} s\n${result.output}`);
  return result;
}

/** The running containers of a service of the deployed project. */
async function containersOf(service: string): Promise<string[]> {
  const ids = await docker([
    'ps',
    '-q',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--filter',
    `label=com.docker.compose.service=${service}`,
  ]);
  return ids.split('\n').filter(Boolean).sort();
}

/** The image id every app replica runs; fails if the replicas disagree. */
async function runningAppImageId(): Promise<string> {
  const images = new Set<string>();
  for (const container of await containersOf('app')) {
    images.add((await docker(['inspect', '-f', '{{.Image}}', container])).trim());
  }
  expect(images.size).toBe(1);
  return [...images][0] ?? '';
}

/** Holds a TCP port on every address, as another program on the host would. */
async function holdPort(): Promise<{ port: number; release(): Promise<void> }> {
  const port = await getPort();
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(port, '0.0.0.0', resolve));
  return { port, release: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

beforeAll(async () => {
  work = tempWorkDir(`${slug}-deploy-test`);
  user = await createLoginUser('deploytest');
  remoteDir = await stackDirFor(user, slug);
  httpPort = await getPort();
  httpsPort = await getPort();
  // The "host" builds like this machine does (the offline toolchain turns BuildKit off).
  const buildEnv = Object.fromEntries(
    ['DOCKER_BUILDKIT', 'COMPOSE_BAKE']
      .filter((k) => process.env[k])
      .map((k) => [k, process.env[k] as string]),
  );
  [host, registry] = await Promise.all([startSshHost(work, user, buildEnv), startRegistry(work)]);
  images = {
    v2: `${repo()}:v2`,
    broken: `${repo()}:broken`,
    previous: `${repo()}:previous`,
    pushTest: `${repo()}:test`,
  };
});

afterAll(async () => {
  console.log(`[deploy] timings: ${timings.join('; ')}`);
  if (remoteDir && fs.existsSync(path.join(remoteDir, 'docker-compose.yml'))) {
    await docker([
      'compose',
      '-p',
      project,
      '--project-directory',
      remoteDir,
      '-f',
      path.join(remoteDir, 'docker-compose.yml'),
      'down',
      '-v',
      '--remove-orphans',
    ]).catch((e) => console.error(e));
  }
  for (const tag of [v1, ...Object.values(images ?? {})]) await docker(['rmi', tag]).catch(() => undefined);
  await host?.stop();
  await registry?.stop();
  await user?.remove();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('images for deployment', () => {
  it('pushes APP_IMAGE to a registry on 127.0.0.1 and pulls back the same image', async () => {
    const localId = await imageId(baseImage);
    await docker(['tag', baseImage, images.pushTest]);

    await docker(['push', images.pushTest]);
    // -f: only untag, even when a concurrent rebuild of the base tag left this as the image's last name.
    await docker(['rmi', '-f', images.pushTest]);
    const afterRemove = await imageId(images.pushTest).catch(() => 'gone');
    await docker(['pull', images.pushTest]);

    expect(afterRemove).toBe('gone');
    expect(await imageId(images.pushTest)).toBe(localId);
    expect(await docker(['image', 'inspect', '-f', '{{json .RepoDigests}}', images.pushTest])).toContain(
      `${repo()}@sha256:`,
    );
  });
});

describe('scripts/pin-images.sh', () => {
  it('pins a compose default to the digest its registry serves, leaves APP_IMAGE alone, re-pins a moved tag', async () => {
    const ref = `${repo()}:pin`;
    await derivedImage(ref, ['LABEL pin=1']);
    await docker(['push', ref]);
    const compose = path.join(work, 'pin.compose.yml');
    const app = '    image: ${APP_IMAGE:-example/app:latest}';
    fs.writeFileSync(compose, `services:\n  web:\n    image: \${WEB_IMAGE:-${ref}}\n  app:\n${app}\n`);
    const pin = () => runScript(path.join(projectRoot, 'scripts', 'pin-images.sh'), [compose], process.env);
    const served = async () =>
      (await docker(['image', 'inspect', '-f', '{{index .RepoDigests 0}}', ref])).trim().split('@')[1];

    const first = await pin();
    const firstDigest = await served();
    const pinned = fs.readFileSync(compose, 'utf8');
    await derivedImage(ref, ['LABEL pin=2']); // the tag moves
    await docker(['push', ref]);
    const second = await pin();
    const repinned = fs.readFileSync(compose, 'utf8');

    expect(first.code).toBe(0);
    expect(firstDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(pinned).toContain(`image: \${WEB_IMAGE:-${ref}@${firstDigest}}`);
    expect(pinned).toContain(app);
    expect(second.code).toBe(0);
    expect(repinned).toContain(`image: \${WEB_IMAGE:-${ref}@${await served()}}`);
    expect(await served()).not.toBe(firstDigest);
    expect(repinned.match(/@sha256:/g)).toHaveLength(1);
    await docker(['rmi', ref]).catch(() => undefined);
  });
});

describe('scripts/deploy.sh input checks', () => {
  it.each([
    ['a lower-case key', 'http_port=8080', 'not a valid key'],
    ['a key starting with a digit', '1PORT=8080', 'not a valid key'],
    ['a value with a newline', 'HTTP_PORT=8080\nMONGO_ROOT_PASSWORD=x', 'must be one line'],
    ['a secret', 'MONGO_ROOT_PASSWORD=x', 'refusing to set a secret'],
    ['no =', 'HTTP_PORT', 'expected KEY=VALUE'],
  ])('refuses --set with %s before connecting', async (_label, pair, reason) => {
    const result = await deploy(`bad --set (${pair.split('\n')[0]})`, ['--pull', '--set', pair], {
      APP_IMAGE: v1,
    });

    expect(result.code).toBe(1);
    expect(result.output).toContain(reason);
    expect(result.output).not.toContain('[deploy +'); // the host never ran anything
    expect(fs.existsSync(path.join(remoteDir, '.incoming'))).toBe(false);
  });
});

describe('scripts/deploy.sh over SSH', () => {
  let postPath: string;
  let confDirInode: number;

  it('first deploy: builds on the host as the login user, writes .env (0640, docker group) with a generated secret, smoke passes', async () => {
    const result = await deploy('first deploy (build on host)', ['--build'], { APP_IMAGE: v1 });

    expect(result.code).toBe(0);
    expect(result.output).toContain(`as ${user.name}`);
    expect(result.output).toContain('passed nginx -t');
    expect(result.output).toMatch(
      new RegExp(
        `smoke check passed .*/readyz 200; / 200; ${escapeRegExp(postPaths.list)} 200; ` +
          // The form is for signed-in people: anonymous, it redirects to the login page.
          `${escapeRegExp(postPaths.newForm)} 303; /login 200;`,
      ),
    );
    const health = await http().get('/healthz');
    expect(health.status).toBe(200);
    expect(health.data).toMatchObject({ status: 'ok' });
    const home = await http().get('/');
    expect(home.status).toBe(200);
    expect(home.data).toContain(welcomeText);
    expect(fs.readFileSync(path.join(remoteDir, '.env'), 'utf8')).not.toMatch(/PASSWORD|SECRET|TOKEN/);
    const envStat = fs.statSync(path.join(remoteDir, '.env'));
    expect(envStat.mode & 0o777).toBe(0o640);
    expect(envStat.gid).toBe(fs.statSync(remoteDir).gid); // the docker group, from the setgid folder
    expect(envValue('APP_IMAGE')).toBe(v1);
    expect(await runningAppImageId()).toBe(await imageId(v1));
    confDirInode = fs.statSync(path.join(remoteDir, 'nginx', 'conf.d')).ino;
    // Data that must survive the updates below.
    const writer = await registerAccount(http(), 'deploy');
    const fields = { ...validPost('Before update') };
    const { res: created } = await submitForm(
      http(),
      postPaths.newForm,
      postPaths.list,
      fields,
      writer.cookie,
    );
    expect(created.status).toBe(303);
    postPath = String(created.headers.location);
  });

  it('day two: the login user runs docker compose ps, logs and config in the stack folder without sudo', async () => {
    const result = await host.exec(
      `cd ${remoteDir} && docker compose -p ${project} ps --format '{{.Service}} {{.State}}' && ` +
        `docker compose -p ${project} logs --tail 1 app >/dev/null && docker compose -p ${project} config -q && id -un`,
    );

    expect(result.output).not.toContain('permission denied');
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/^app running$/m);
    expect(result.output).toMatch(/^nginx running$/m);
    expect(result.output.trim().split('\n').pop()).toBe(user.name);
  });

  it('ships what every overlay bind-mounts (acme, monitoring too), so a .env that adds one finds its files', async () => {
    const files = ['docker-compose.yml', 'acme/compose.yml', 'monitoring/compose.yml'].map((f) => `-f ${f}`);
    const result = await host.exec(
      `cd ${remoteDir} && docker compose -p ${project} ${files.join(' ')} config --format json 2>/dev/null`,
    );
    expect(result.code).toBe(0);
    // The JSON only: ssh may add a warning line around it.
    const json = result.output.slice(result.output.indexOf('{'), result.output.lastIndexOf('}') + 1);
    const config = JSON.parse(json) as {
      services: Record<string, { volumes?: { type: string; source: string }[] }>;
      secrets?: Record<string, { file: string }>;
    };

    const sources = [
      ...Object.values(config.services).flatMap((s) => (s.volumes ?? []).filter((v) => v.type === 'bind')),
      ...Object.values(config.secrets ?? {}).map((secret) => ({ source: secret.file })),
    ].map((v) => v.source);
    const missing = sources.filter((source) => !fs.existsSync(source));

    expect(sources).toEqual(expect.arrayContaining([path.join(remoteDir, 'monitoring', 'prometheus.yml')]));
    expect(sources).toEqual(expect.arrayContaining([path.join(remoteDir, 'acme')]));
    expect(missing).toEqual([]);
  });

  it('update: pulls a new version, APP_REPLICAS=2 from --set, nginx files updated in place; data and secret kept', async () => {
    await derivedImage(images.v2, [`ENV APP_VERSION=${v2Version}`]);
    const v2Id = await imageId(images.v2);
    await publish(images.v2);
    const v1Id = await imageId(v1);
    const rootPassword = path.join(remoteDir, 'secrets', 'mongo_db', 'root_password');
    const secret = fs.readFileSync(rootPassword, 'utf8');

    const result = await deploy('update (pull v2, 2 replicas)', ['--pull', '--set', 'APP_REPLICAS=2'], {
      APP_IMAGE: images.v2,
    });

    expect(result.code).toBe(0);
    expect(result.output).toContain('nginx reloaded');
    expect((await http().get('/healthz')).data).toMatchObject({ status: 'ok', version: v2Version });
    expect((await http().get('/')).data).toContain(v2Version);
    expect((await http().get(postPath)).status).toBe(200);
    expect(fs.readFileSync(rootPassword, 'utf8')).toBe(secret);
    expect(envValue('APP_REPLICAS')).toBe('2');
    expect(await containersOf('app')).toHaveLength(2);
    expect(await runningAppImageId()).toBe(v2Id);
    expect(await imageId(images.previous)).toBe(v1Id); // what a failed update would go back to
    // The same folder (a bind mount keeps its inode), and the running nginx sees the shipped file.
    expect(fs.statSync(path.join(remoteDir, 'nginx', 'conf.d')).ino).toBe(confDirInode);
    const nginx = (await containersOf('nginx'))[0] ?? '';
    expect(await docker(['exec', nginx, 'cat', '/etc/nginx/conf.d/default.conf'])).toBe(
      fs.readFileSync(path.join(projectRoot, 'nginx', 'conf.d', 'default.conf'), 'utf8'),
    );
  });

  it('a plain redeploy keeps APP_REPLICAS (a plain up -d --wait no longer scales app back to 1)', async () => {
    const result = await deploy('redeploy (replicas kept)', ['--pull'], { APP_IMAGE: images.v2 });

    expect(result.code).toBe(0);
    expect(await containersOf('app')).toHaveLength(2);
    const plainUp = await host.exec(`cd ${remoteDir} && docker compose -p ${project} up -d --wait`);
    expect(plainUp.code).toBe(0);
    expect(await containersOf('app')).toHaveLength(2);
  });

  it('a second deploy while one holds the lock fails at once and changes nothing', async () => {
    const nginxBefore = await containersOf('nginx');
    const holder = spawn('flock', ['--no-fork', path.join(remoteDir, '.deploy.lock'), 'sleep', '120'], {
      stdio: 'ignore',
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300)); // let flock take the lock
      const result = await deploy('concurrent deploy (locked)', ['--pull'], { APP_IMAGE: images.v2 });

      expect(result.code).toBe(1);
      expect(result.output).toContain('another deploy is running');
      expect(result.seconds).toBeLessThan(15);
      expect(await containersOf('nginx')).toEqual(nginxBefore);
    } finally {
      holder.kill('SIGTERM');
    }
  });

  it('a new nginx config that fails nginx -t is refused; the old files and nginx keep serving', async () => {
    // A copy of the deploy bundle's sources with a broken server block: deploy.sh ships from its own checkout.
    const checkout = path.join(work, 'broken-nginx-checkout');
    for (const entry of [
      'docker-compose.yml',
      'nginx',
      'mongo',
      '.env.example',
      'scripts/deploy.sh',
      'scripts/lib',
    ]) {
      fs.cpSync(path.join(projectRoot, entry), path.join(checkout, entry), { recursive: true });
    }
    fs.appendFileSync(
      path.join(checkout, 'nginx', 'conf.d', 'default.conf'),
      '\nthis_is_not_a_directive on;\n',
    );
    const nginxBefore = await containersOf('nginx');

    const result = await deploy(
      'broken nginx config',
      ['--pull'],
      { APP_IMAGE: images.v2 },
      path.join(checkout, 'scripts', 'deploy.sh'),
    );

    expect(result.code).toBe(1);
    expect(result.output).toContain('this_is_not_a_directive');
    expect(result.output).toContain('nothing running was changed');
    expect(fs.readFileSync(path.join(remoteDir, 'nginx', 'conf.d', 'default.conf'), 'utf8')).not.toContain(
      'this_is_not_a_directive',
    );
    expect(await containersOf('nginx')).toEqual(nginxBefore);
    expect((await http().get(postPaths.list)).status).toBe(200);
  });

  it('a new port that something else holds is refused before the switch; the old nginx keeps serving', async () => {
    const busy = await holdPort();
    try {
      const nginxBefore = await containersOf('nginx');

      const result = await deploy('port taken', ['--pull', '--set', `HTTP_PORT=${busy.port}`], {
        APP_IMAGE: images.v2,
      });

      expect(result.code).toBe(1);
      expect(result.output).toContain(`publishing port ${busy.port}`);
      expect(await containersOf('nginx')).toEqual(nginxBefore);
      expect(envValue('HTTP_PORT')).toBe(String(httpPort));
      expect((await http().get(postPaths.list)).status).toBe(200);
    } finally {
      await busy.release();
    }
  });

  it('failed update: a broken image fails the smoke check and the previous image serves again', async () => {
    // Healthy by its healthcheck (/readyz) but the home page is broken: only the smoke check can catch it.
    await derivedImage(images.broken, ['USER root', 'RUN rm /app/views/home.ejs', 'USER node']);
    await publish(images.broken);
    const v2Id = await runningAppImageId();

    const result = await deploy('failed update (broken image, rollback)', ['--pull'], {
      APP_IMAGE: images.broken,
    });

    expect(result.code).toBe(2);
    expect(result.output).toContain('smoke check FAILED');
    expect(result.output).toContain('ROLLED BACK');
    expect(await runningAppImageId()).toBe(v2Id);
    expect(await containersOf('app')).toHaveLength(2);
    expect((await http().get('/healthz')).data).toMatchObject({ status: 'ok', version: v2Version });
    const home = await http().get('/');
    expect(home.status).toBe(200);
    expect(home.data).toContain(welcomeText);
    expect((await http().get(postPath)).status).toBe(200);
    expect(envValue('APP_IMAGE')).toBe(images.previous);
  });
});
