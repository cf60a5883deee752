import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { docker } from '../../test/support/docker';

// nginx's entrypoint script alone (no stack): which certificate it points nginx at, given a certs volume as
// acme/acme.sh leaves it, as an older version left it, or as a stop in the middle of a swap could leave it.
const root = path.resolve(__dirname, '..', '..');
const image = process.env.NGINX_IMAGE ?? 'nginx:1.30';
let certs: string;

jest.setTimeout(60_000);

function keyPair(dir: string, name = 'example.com'): void {
  fs.mkdirSync(dir, { recursive: true });
  execFileSync(
    'openssl',
    [
      ...[
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
      ],
      ...[
        '-subj',
        `/CN=${name}`,
        '-keyout',
        path.join(dir, 'privkey.pem'),
        '-out',
        path.join(dir, 'fullchain.pem'),
      ],
    ],
    { stdio: 'ignore' },
  );
  fs.chmodSync(path.join(dir, 'privkey.pem'), 0o644); // nginx's uid reads it in the container
}

/** Runs 40-edge.sh as the nginx image runs it, and returns the tls-cert.conf it wrote and its stderr. */
async function edgeWith(live: string): Promise<{ conf: string; log: string }> {
  const out = await docker([
    ...['run', '--rm', '--user', '101:101', '--read-only', '--tmpfs', '/tmp', '--entrypoint', 'sh'],
    ...['-v', `${path.join(root, 'nginx/entrypoint/40-edge.sh')}:/edge.sh:ro`],
    ...['-v', `${live}:/etc/nginx/certs/live:ro`, '-e', 'EDGE_CERT_POLL_SECONDS=3600', image],
    ...['-c', 'sh /edge.sh 2>/tmp/err >/dev/null; cat /tmp/edge/tls-cert.conf; echo ----; cat /tmp/err'],
  ]);
  const [conf = '', log = ''] = out.split('----\n');
  return { conf, log };
}

beforeEach(() => {
  certs = fs.mkdtempSync(path.join(os.tmpdir(), 'certs-'));
  fs.chmodSync(certs, 0o755);
});
afterEach(() => fs.rmSync(certs, { recursive: true, force: true }));

it('serves the pair that live/generation names', async () => {
  keyPair(path.join(certs, '20260101T000000Z'));
  keyPair(path.join(certs, '20260201T000000Z'));
  fs.writeFileSync(path.join(certs, 'generation'), '20260201T000000Z\n');

  const { conf, log } = await edgeWith(certs);

  expect(conf).toContain('ssl_certificate /etc/nginx/certs/live/20260201T000000Z/fullchain.pem;');
  expect(conf).toContain('ssl_certificate_key /etc/nginx/certs/live/20260201T000000Z/privkey.pem;');
  expect(log).toBe('');
});

it('never serves a certificate with another key (a swap cut in half): the self-signed one instead', async () => {
  const gen = path.join(certs, '20260301T000000Z');
  keyPair(gen);
  keyPair(path.join(certs, 'other'));
  fs.copyFileSync(path.join(certs, 'other', 'privkey.pem'), path.join(gen, 'privkey.pem'));
  fs.writeFileSync(path.join(certs, 'generation'), '20260301T000000Z\n');

  const { conf, log } = await edgeWith(certs);

  expect(conf).toContain('ssl_certificate /tmp/edge/self-signed/fullchain.pem;');
  expect(log).toContain('does not match');
});

it('still reads the flat pair that earlier versions wrote', async () => {
  keyPair(certs);
  fs.writeFileSync(path.join(certs, 'generation'), '20250101T000000Z\n');

  const { conf } = await edgeWith(certs);

  expect(conf).toContain('ssl_certificate /etc/nginx/certs/live/fullchain.pem;');
});
