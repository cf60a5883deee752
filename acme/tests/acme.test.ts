// Issue 12 end to end against Pebble, Let's Encrypt's ACME test server (acme/tests/pebble/compose.yml):
// nginx starts on a self-signed certificate, the acme service (lego) gets one over HTTP-01, nginx swaps it in,
// HTTP redirects to HTTPS except ACME and health, and a forced renewal is picked up with zero failed
// requests under a bounded load of fresh TLS connections. Loopback only.
import https from 'node:https';
import tls from 'node:tls';
import fs from 'node:fs';
import path from 'node:path';
import getPort from 'get-port';
import { Wait } from 'testcontainers';
import { containerLogs, docker } from '../../test/support/docker';
import { httpClient } from '../../test/support/http';
import { postPaths } from '../../test/support/posts';
import { projectRoot, startStack, type Stack } from '../../test/support/stack';
import { eventually, sleep } from '../../test/support/wait';

jest.setTimeout(300_000);

const DOMAIN = 'edge.test';
const fixtures = path.join(projectRoot, 'acme/tests/pebble');
const testCa = fs.readFileSync(path.join(fixtures, 'ca.pem'));
let stack: Stack;
let httpsPort = 0;
let startedAt = 0;
let pebbleRoot = '';

/** The certificate nginx serves for DOMAIN (not verified: the first one is self-signed). */
function servedCertificate(): Promise<tls.PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      { host: '127.0.0.1', port: httpsPort, servername: DOMAIN, rejectUnauthorized: false },
      () => {
        resolve(socket.getPeerCertificate());
        socket.end();
      },
    );
    socket.on('error', reject);
  });
}

/** GET over a fresh TLS connection that must verify against Pebble's root for DOMAIN; resolves to the serial. */
function verifiedGet(urlPath: string): Promise<{ status: number; serial: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: httpsPort,
        path: urlPath,
        servername: DOMAIN,
        headers: { host: DOMAIN },
        ca: pebbleRoot,
        agent: false,
        timeout: 5_000,
      },
      (res) => {
        const serial = (res.socket as tls.TLSSocket).getPeerCertificate().serialNumber;
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, serial }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Pebble's management API (HTTPS with the test CA): its current root certificate. */
async function fetchPebbleRoot(): Promise<string> {
  const published = (await stack.compose(['port', 'pebble', '15000'])).trim().split(':').pop();
  return new Promise((resolve, reject) => {
    https
      .get(
        { host: '127.0.0.1', port: Number(published), path: '/roots/0', ca: testCa, servername: 'pebble' },
        (res) => {
          let pem = '';
          res.on('data', (c: Buffer) => (pem += c.toString()));
          res.on('end', () =>
            res.statusCode === 200 ? resolve(pem) : reject(new Error(`roots/0: ${res.statusCode}`)),
          );
        },
      )
      .on('error', reject);
  });
}

beforeAll(async () => {
  httpsPort = await getPort();
  startedAt = Date.now();
  stack = await startStack({
    label: 'edge-acme',
    composeFiles: ['acme/compose.yml', 'acme/tests/pebble/compose.yml'],
    env: {
      DOMAIN,
      ACME_EMAIL: `admin@${DOMAIN}`,
      HTTPS_PORT: String(httpsPort),
    },
    // Pebble has no healthcheck and publishes its management port on 127.0.0.1 only: ready is its log line.
    waitFor: { 'pebble-1': Wait.forLogMessage(/ACME directory available/) },
  });
});
afterAll(async () => {
  await stack?.down();
});

it('starts on a temporary self-signed certificate, then serves the chain Pebble issued over HTTP-01', async () => {
  const upAfter = Date.now() - startedAt;
  const issued = await eventually(
    async () => {
      const cert = await servedCertificate();
      expect(cert.issuer.CN).toMatch(/Pebble/i);
      return cert;
    },
    { timeoutMs: 120_000, everyMs: 500 },
  );
  const issuedAfter = Date.now() - startedAt;
  pebbleRoot = await fetchPebbleRoot();
  const verified = await verifiedGet('/');
  console.log(
    `[edge] pebble: stack healthy after ${(upAfter / 1000).toFixed(1)} s, issued certificate served after ` +
      `${(issuedAfter / 1000).toFixed(1)} s (issuer "${issued.issuer.CN}", valid to ${issued.valid_to})`,
  );
  expect(issued.subjectaltname).toContain(`DNS:${DOMAIN}`);
  expect(verified.status).toBe(200); // the full chain verifies against Pebble's root for DOMAIN
  const nginxLog = await containerLogs(await stack.idOf('nginx'));
  expect(nginxLog).toMatch(/made a self-signed certificate for edge\.test/);
  expect(nginxLog).toMatch(/nginx -t passed, reloaded/);
});

it('redirects HTTP to HTTPS with DOMAIN, except ACME challenges and health', async () => {
  const api = httpClient(stack.baseUrl);
  const page = await api.get(`${postPaths.list}?page=2`, { headers: { host: DOMAIN } });
  expect(page.status).toBe(301);
  expect(page.headers.location).toBe(`https://${DOMAIN}:${httpsPort}${postPaths.list}?page=2`);
  expect((await api.get('/.well-known/acme-challenge/missing')).status).toBe(404);
  expect((await api.get('/nginx-health')).status).toBe(200);
  expect((await api.get('/healthz')).status).toBe(200);
  const secure = await verifiedGet('/');
  expect(secure.status).toBe(200);
});

/** A service's last log lines. */
async function lastLogLines(service: string, count: number): Promise<string> {
  return (await containerLogs(await stack.idOf(service))).trim().split('\n').slice(-count).join('\n');
}

/** A failed wait gains the acme service's and nginx's last log lines: why a renewal was not served is there. */
async function withEdgeLogs(error: unknown): Promise<never> {
  const tails = await Promise.all(
    ['acme', 'nginx'].map(
      async (service) => `--- ${service}, last lines:\n${await lastLogLines(service, 15)}`,
    ),
  );
  const message = error instanceof Error ? error.message : String(error);
  throw new Error(`${message}\n${tails.join('\n')}`, { cause: error });
}

it('picks up a forced renewal with zero failed requests under load (fresh TLS connection each)', async () => {
  const before = (await verifiedGet('/nginx-health')).serial;
  const outcomes: { ok: boolean; serial?: string; error?: string }[] = [];
  let stop = false;
  const loops = Array.from({ length: 3 }, async () => {
    while (!stop) {
      try {
        const r = await verifiedGet('/nginx-health');
        outcomes.push({
          ok: r.status === 200,
          serial: r.serial,
          error: r.status === 200 ? undefined : `status ${r.status}`,
        });
      } catch (error) {
        outcomes.push({ ok: false, error: (error as Error).message });
      }
      await sleep(25);
    }
  });
  let pickedUpAfter = -1;
  try {
    await sleep(1_000);
    const asked = Date.now();
    const renew = await stack.exec('acme', ['sh', '/acme/acme.sh', 'renew-now']);
    expect(renew.exitCode).toBe(0);
    await eventually(
      () => {
        expect(outcomes.at(-1)?.serial).toBeDefined();
        expect(outcomes.at(-1)?.serial).not.toBe(before);
      },
      { timeoutMs: 90_000, everyMs: 200 },
    ).catch(withEdgeLogs);
    pickedUpAfter = Date.now() - asked;
    // Usually ~5 s; a slow one means a failed try and a retry: acme's log says what failed.
    if (pickedUpAfter > 15_000) {
      const acmeLog = await lastLogLines('acme', 20);
      console.log(
        `[edge] slow forced renewal (${(pickedUpAfter / 1000).toFixed(1)} s); acme's last lines:\n${acmeLog}`,
      );
    }
    await sleep(2_000);
  } finally {
    stop = true;
    await Promise.all(loops);
  }

  const failed = outcomes.filter((o) => !o.ok);
  const serials = new Set(outcomes.map((o) => o.serial).filter(Boolean));
  console.log(
    `[edge] pebble: forced renewal served ${(pickedUpAfter / 1000).toFixed(1)} s after the request; ` +
      `${outcomes.length} HTTPS requests during it, ${failed.length} failed, serials seen: ${serials.size}`,
  );
  expect(failed).toEqual([]);
  expect(serials).toEqual(new Set([before, outcomes.at(-1)!.serial]));
});

it('keeps a forced renewal that failed (Pebble unreachable) until it succeeds', async () => {
  const before = (await verifiedGet('/nginx-health')).serial;
  const network = `${stack.projectName}_frontend`;
  const pebble = await stack.idOf('pebble');
  const acme = await stack.idOf('acme');
  const failuresBefore = (await containerLogs(acme)).split('renewal failed').length;

  await docker(['network', 'disconnect', network, pebble]);
  try {
    expect((await stack.exec('acme', ['sh', '/acme/acme.sh', 'renew-now'])).exitCode).toBe(0);
    await eventually(
      async () =>
        expect((await containerLogs(acme)).split('renewal failed').length).toBeGreaterThan(failuresBefore),
      { timeoutMs: 60_000, everyMs: 500 },
    ).catch(withEdgeLogs);
  } finally {
    await docker(['network', 'connect', '--alias', 'pebble', network, pebble]);
  }

  // The retry (ACME_RETRY_INTERVAL, 5 s here) renews although the certificate is not due: it is still forced.
  const after = await eventually(
    async () => {
      const { serial } = await verifiedGet('/nginx-health');
      expect(serial).not.toBe(before);
      return serial;
    },
    { timeoutMs: 60_000, everyMs: 500 },
  ).catch(withEdgeLogs);
  expect(after).toMatch(/^[0-9A-F]+$/);
});

it('limits the plain-HTTP probes a DOMAIN leaves open (each one is a database ping): a burst of 100 meets 429', async () => {
  const api = httpClient(stack.baseUrl);

  const statuses: number[] = [];
  for (let i = 0; i < 100; i++) statuses.push((await api.get('/readyz', { maxRedirects: 0 })).status);

  const limited = statuses.filter((s) => s === 429).length;
  console.log(`[edge-acme] 100 plain-HTTP /readyz: ${limited} x 429`);
  expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
  expect(limited).toBeGreaterThan(0);
});
