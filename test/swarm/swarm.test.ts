import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import getPort from 'get-port';
import { containerLogs, docker, jsonLines } from '../support/docker';
import { httpClient, suffix, uncached } from '../support/http';
import { apiWrite, registerAccount } from '../support/accounts';
import { jsonHeaders, postPaths, validPost } from '../support/posts';
import { appImage, slug, welcomeText } from '../support/product';
import { eventually, sleep } from '../support/wait';
import { listPageLoad, loadSummary, type Outcome } from '../support/load';
import { untilEveryReplicaServes } from '../support/replicas';
import {
  containersOf,
  leaseSwarm,
  releaseSwarm,
  repoRoot,
  serviceState,
  swarmScript,
  type SwarmLease,
} from '../support/swarm';

// One deployment, the tests in order: each leaves the stack serving for the next.
jest.setTimeout(300_000);

const stack = `${slug}-sw-${suffix()}`.toLowerCase().replace(/[^a-z0-9_-]/g, '-');
const app = `${stack}_app`;
const brokenImage = `${stack}-broken:test`;
let lease: SwarmLease | undefined;
let secretsDir = '';
let baseUrl = '';
let env: NodeJS.ProcessEnv = {};

/** The list page at ~13 requests/s (listPageLoad) while `during` runs. */
async function underLoad(during: () => Promise<void>): Promise<Outcome[]> {
  const load = listPageLoad(baseUrl, { maxMs: 200_000, maxRequests: 4_000 });
  await sleep(1_000);
  await during();
  await sleep(2_000);
  return load.stop();
}

const failures = (outcomes: Outcome[]) => outcomes.filter((o) => o.status !== 200);
const report = (what: string, outcomes: Outcome[], extra = '') =>
  console.log(`[swarm] ${what}${extra}: ${loadSummary(outcomes)}`);

/** Waits until the service has converged: `replicas` running (= healthy) and no update in progress. */
async function converged(service: string, replicas: number, timeoutMs = 120_000) {
  return eventually(
    async () => {
      const state = await serviceState(service);
      expect(state.replicas).toBe(`${replicas}/${replicas}`);
      expect(['', 'completed', 'rollback_completed']).toContain(state.updateState);
      return state;
    },
    { timeoutMs, everyMs: 1_000 },
  );
}

beforeAll(async () => {
  lease = await leaseSwarm();
  secretsDir = mkdtempSync(path.join(os.tmpdir(), 'swarm-secrets-'));
  const [httpPort, httpsPort] = [await getPort(), await getPort()];
  baseUrl = `http://127.0.0.1:${httpPort}`;
  env = {
    ...process.env,
    APP_IMAGE: appImage,
    HTTP_PORT: String(httpPort),
    HTTPS_PORT: String(httpsPort),
    SECRETS_DIR: secretsDir,
    SWARM_APP_REPLICAS: '1',
    // The images are on this node only; there is no registry to pin digests from.
    SWARM_RESOLVE_IMAGE: 'never',
    SWARM_WAIT_TIMEOUT: '240',
  };
});

afterAll(async () => {
  const errors: unknown[] = [];
  const attempt = async (step: () => Promise<unknown>) => {
    try {
      await step();
    } catch (error) {
      errors.push(error);
    }
  };
  await attempt(() => swarmScript(['rm', stack], env));
  await attempt(async () => {
    const volumes = (await docker(['volume', 'ls', '-q', '--filter', `name=${stack}_`]))
      .split('\n')
      .filter(Boolean);
    if (volumes.length) await docker(['volume', 'rm', ...volumes]);
  });
  await attempt(async () => {
    const secrets = (await docker(['secret', 'ls', '-q', '--filter', `label=stack=${stack}`])).split('\n');
    if (secrets.some(Boolean)) await docker(['secret', 'rm', ...secrets.filter(Boolean)]);
  });
  await attempt(() => docker(['image', 'rm', '-f', brokenImage]));
  if (lease) await attempt(() => releaseSwarm(lease!));
  if (secretsDir) rmSync(secretsDir, { recursive: true, force: true });
  if (errors.length) throw new Error(`swarm cleanup failed: ${errors.map(String).join('; ')}`);
});

it('deploys with scripts/swarm.sh and serves the pages through nginx', async () => {
  const started = Date.now();
  const output = await swarmScript(['deploy', stack], env);
  console.log(
    `[swarm] first deploy converged and smoke-checked in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  expect(output).toContain('smoke check passed');

  const http = httpClient(baseUrl);
  const home = await http.get('/');
  expect(home.status).toBe(200);
  expect(home.data).toContain(welcomeText);
  expect((await http.get(postPaths.list)).status).toBe(200);

  // The shape the overlay promises: nginx on a host-mode port, the app without a VIP, versioned secrets.
  const nginx = JSON.parse(await docker(['service', 'inspect', `${stack}_nginx`]))[0];
  expect(nginx.Endpoint.Spec.Ports).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        PublishMode: 'host',
        TargetPort: 8080,
        PublishedPort: Number(env.HTTP_PORT),
      }),
    ]),
  );
  expect(nginx.Spec.UpdateConfig.Order).toBe('stop-first');
  const appSpec = JSON.parse(await docker(['service', 'inspect', app]))[0].Spec;
  expect(appSpec.EndpointSpec.Mode).toBe('dnsrr');
  expect(appSpec.UpdateConfig).toMatchObject({ Order: 'start-first', FailureAction: 'rollback' });
  expect(appSpec.UpdateConfig.Monitor).toBeGreaterThanOrEqual(26e9); // start_period + interval x retries + timeout
  expect(appSpec.TaskTemplate.ContainerSpec.Secrets[0]).toMatchObject({
    SecretName: expect.stringMatching(new RegExp(`^${stack}_app_db_password_[0-9a-f]{12}$`)),
    File: { Name: '/run/secrets/app_db/db_password', UID: '1000', GID: '999', Mode: 0o440 },
  });
  const backend = JSON.parse(await docker(['network', 'inspect', `${stack}_backend`]))[0];
  const frontend = JSON.parse(await docker(['network', 'inspect', `${stack}_frontend`]))[0];
  expect(backend).toMatchObject({ Driver: 'overlay', Internal: true, Options: { encrypted: 'true' } });
  expect(frontend).toMatchObject({ Driver: 'overlay', Options: { encrypted: 'true' } });
});

it('scales the app to 3 and nginx sends requests to all three', async () => {
  await docker(['service', 'scale', '--detach', `${app}=3`]);
  await converged(app, 3);
  const replicas = await containersOf(app);
  expect(replicas).toHaveLength(3);
  await untilEveryReplicaServes(baseUrl, replicas, `sw-${suffix()}`);
});

it('rolls the app over (forced update, start-first) under load, and no request fails', async () => {
  const before = await containersOf(app);
  let ms = 0;
  const outcomes = await underLoad(async () => {
    const started = Date.now();
    await docker(['service', 'update', '--detach', '--force', app]);
    await eventually(async () => expect((await serviceState(app)).updateState).toBe('completed'), {
      timeoutMs: 180_000,
      everyMs: 1_000,
    });
    ms = Date.now() - started;
  });
  report('forced rolling update of 3 replicas', outcomes, `, update took ${(ms / 1000).toFixed(1)} s`);
  const after = await containersOf(app);
  expect(after).toHaveLength(3);
  expect(after.filter((id) => before.includes(id))).toEqual([]); // every replica was replaced
  expect(outcomes.length).toBeGreaterThan(100);
  expect(failures(outcomes)).toEqual([]);
});

it('replaces a SIGKILLed app task, and no request fails', async () => {
  const [victim] = await containersOf(app);
  const outcomes = await underLoad(async () => {
    await docker(['kill', '--signal', 'KILL', victim!]);
    await eventually(
      async () => {
        const now = await containersOf(app);
        expect(now).not.toContain(victim);
        expect(now).toHaveLength(3);
      },
      { timeoutMs: 90_000, everyMs: 1_000 },
    );
    await converged(app, 3);
  });
  // How many requests nginx moved off a failed replica (two or more upstream addresses): the retries that
  // kept them at 200. A retry after nginx re-resolved the name used to end at once in "no live upstreams".
  const [nginx] = await containersOf(`${stack}_nginx`);
  const retried = jsonLines(await containerLogs(nginx!)).filter(
    (l) => String(l.upstream).includes(', ') && Date.parse(String(l.time)) >= outcomes[0]!.at - 1_000,
  );
  report(
    'SIGKILL of one of 3 replicas',
    outcomes,
    `, ${retried.length} retried by nginx ${JSON.stringify(retried.slice(0, 3).map((l) => l.upstream_status))}`,
  );
  expect(outcomes.length).toBeGreaterThan(50);
  expect(failures(outcomes)).toEqual([]);
});

it('rolls back by itself from an image whose healthcheck fails, serving all along', async () => {
  await docker([
    'build',
    '-q',
    '-t',
    brokenImage,
    '--build-arg',
    `APP_IMAGE=${appImage}`,
    '-f',
    path.join(repoRoot, 'test', 'swarm', 'fixtures', 'broken.Dockerfile'),
    path.join(repoRoot, 'test', 'swarm', 'fixtures'),
  ]);
  const good = (await serviceState(app)).image;
  let ms = 0;
  const outcomes = await underLoad(async () => {
    const started = Date.now();
    await docker(['service', 'update', '--detach', '--no-resolve-image', '--image', brokenImage, app]);
    await eventually(async () => expect((await serviceState(app)).updateState).toBe('rollback_completed'), {
      timeoutMs: 240_000,
      everyMs: 1_000,
    });
    ms = Date.now() - started;
  });
  report('update to a broken image', outcomes, `, rolled back after ${(ms / 1000).toFixed(1)} s`);
  const state = await converged(app, 3);
  expect(state.image).toBe(good);
  expect(failures(outcomes)).toEqual([]);
});

it('restarts the database task and keeps its data', async () => {
  const http = httpClient(baseUrl);
  const post = validPost('Swarm');
  // Registered through nginx across three replicas: the session and its CSRF token are shared through MongoDB.
  const writer = await registerAccount(http, 'swarm');
  const created = await http.post(postPaths.api, post, { headers: apiWrite(writer) });
  expect(created.status).toBe(201);
  const { id } = created.data as { id: string };
  const [dbBefore] = await containersOf(`${stack}_mongo_db`);

  await docker(['service', 'update', '--detach', '--force', `${stack}_mongo_db`]);
  await eventually(
    async () => expect((await serviceState(`${stack}_mongo_db`)).updateState).toBe('completed'),
    {
      timeoutMs: 180_000,
      everyMs: 1_000,
    },
  );
  expect(await containersOf(`${stack}_mongo_db`)).not.toContain(dbBefore);

  const fetched = await eventually(
    async () => {
      const res = await http.get(postPaths.apiItem(id), { headers: { ...jsonHeaders, ...uncached } });
      expect(res.status).toBe(200);
      return res;
    },
    { timeoutMs: 60_000, everyMs: 1_000 },
  );
  expect(fetched.data).toMatchObject({ title: post.title });
});
