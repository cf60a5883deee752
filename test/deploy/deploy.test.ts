import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { docker } from '../support/docker';
import { httpClient } from '../support/http';
import { formBody, formHeaders, postPaths, validPost } from '../support/posts';
import { appImage, slug, welcomeText } from '../support/product';
import { projectRoot } from '../support/stack';
import {
  Registry,
  runScript,
  ScriptResult,
  SshHost,
  startRegistry,
  startSshHost,
  tempWorkDir,
} from './support/hosts';
import getPort from 'get-port';

// scripts/deploy.sh for real: over SSH (a dedicated sshd on 127.0.0.1 standing in for the EC2 host, with the
// local Docker engine as its Docker), pulling from a real registry (Debian's docker-registry on 127.0.0.1).
jest.setTimeout(300_000);

const baseImage = appImage; // built once by the global setup
const id = randomUUID().slice(0, 8);
const project = `${slug}-deploy-${id}`;
const v1 = `${slug}-deploy-test/app:v1-${id}`;
const v2Version = '2.0.0-deploy-test';
const timings: string[] = [];

let work: string;
let remoteDir: string;
let host: SshHost;
let registry: Registry;
let httpPort: number;
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

async function deploy(label: string, args: string[], env: Record<string, string>): Promise<ScriptResult> {
  const passThrough = ['NODE_IMAGE', 'NGINX_IMAGE', 'MONGO_IMAGE']
    .filter((key) => process.env[key])
    .flatMap((key) => ['--set', `${key}=${process.env[key]}`]);
  const result = await runScript(
    path.join(projectRoot, 'scripts', 'deploy.sh'),
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

async function runningAppImageId(): Promise<string> {
  const container = (
    await docker([
      'ps',
      '-q',
      '--filter',
      `label=com.docker.compose.project=${project}`,
      '--filter',
      'label=com.docker.compose.service=app',
    ])
  ).trim();
  return (await docker(['inspect', '-f', '{{.Image}}', container])).trim();
}

beforeAll(async () => {
  work = tempWorkDir(`${slug}-deploy-test`);
  remoteDir = path.join(work, 'remote', slug);
  httpPort = await getPort();
  // The "host" builds like this machine does (the offline toolchain turns BuildKit off).
  const buildEnv = Object.fromEntries(
    ['DOCKER_BUILDKIT', 'COMPOSE_BAKE']
      .filter((k) => process.env[k])
      .map((k) => [k, process.env[k] as string]),
  );
  [host, registry] = await Promise.all([startSshHost(work, buildEnv), startRegistry(work)]);
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
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('images for deployment', () => {
  it('pushes APP_IMAGE to a registry on 127.0.0.1 and pulls back the same image', async () => {
    const localId = await imageId(baseImage);
    await docker(['tag', baseImage, images.pushTest]);

    await docker(['push', images.pushTest]);
    await docker(['rmi', images.pushTest]);
    const afterRemove = await imageId(images.pushTest).catch(() => 'gone');
    await docker(['pull', images.pushTest]);

    expect(afterRemove).toBe('gone');
    expect(await imageId(images.pushTest)).toBe(localId);
    expect(await docker(['image', 'inspect', '-f', '{{json .RepoDigests}}', images.pushTest])).toContain(
      `${repo()}@sha256:`,
    );
  });
});

describe('scripts/deploy.sh over SSH', () => {
  let postPath: string;

  it('first deploy: builds on the host, writes .env with a generated secret, starts the stack, smoke passes', async () => {
    const result = await deploy('first deploy (build on host)', ['--build'], { APP_IMAGE: v1 });

    expect(result.code).toBe(0);
    expect(result.output).toContain('smoke check passed');
    const health = await http().get('/healthz');
    expect(health.status).toBe(200);
    expect(health.data).toMatchObject({ status: 'ok' });
    const home = await http().get('/');
    expect(home.status).toBe(200);
    expect(home.data).toContain(welcomeText);
    expect(envValue('MONGO_ROOT_PASSWORD')).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(fs.statSync(path.join(remoteDir, '.env')).mode & 0o077).toBe(0);
    expect(envValue('APP_IMAGE')).toBe(v1);
    expect(await runningAppImageId()).toBe(await imageId(v1));
    // Data that must survive the updates below.
    const created = await http().post(postPaths.list, formBody(validPost('Before update')), {
      headers: formHeaders,
    });
    expect(created.status).toBe(303);
    postPath = String(created.headers.location);
  });

  it('update: pulls a new version from the registry, serves it, keeps the data and the secret', async () => {
    await derivedImage(images.v2, [`ENV APP_VERSION=${v2Version}`]);
    const v2Id = await imageId(images.v2);
    await publish(images.v2);
    const v1Id = await imageId(v1);
    const secret = envValue('MONGO_ROOT_PASSWORD');

    const result = await deploy('update (pull v2)', ['--pull'], { APP_IMAGE: images.v2 });

    expect(result.code).toBe(0);
    expect((await http().get('/healthz')).data).toMatchObject({ status: 'ok', version: v2Version });
    expect((await http().get('/')).data).toContain(v2Version);
    expect((await http().get(postPath)).status).toBe(200);
    expect(envValue('MONGO_ROOT_PASSWORD')).toBe(secret);
    expect(await runningAppImageId()).toBe(v2Id);
    expect(await imageId(images.previous)).toBe(v1Id); // what a failed update would go back to
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
    expect((await http().get('/healthz')).data).toMatchObject({ status: 'ok', version: v2Version });
    const home = await http().get('/');
    expect(home.status).toBe(200);
    expect(home.data).toContain(welcomeText);
    expect((await http().get(postPath)).status).toBe(200);
    expect(envValue('APP_IMAGE')).toBe(images.previous);
  });
});
