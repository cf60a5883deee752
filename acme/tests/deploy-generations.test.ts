import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// acme.sh's deploy(), deployed() and the decision run_once takes, on a folder standing for the certs volume:
// run as the service runs them (POSIX sh), without lego or a CA.
const script = path.resolve(__dirname, '..', 'acme.sh');
let root: string;

/** Runs `body` in sh with acme.sh's functions loaded, LIVE=root/live, and the issued pair in root/lego. */
function acme(body: string): string {
  const functions = execFileSync('sed', ['-n', '/^checksum()/,/^log "DOMAIN=/p', script], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter((line) => !line.startsWith('log "DOMAIN='))
    .join('\n');
  const prelude = [
    'set -eu',
    `LIVE=${root}/live; crt=${root}/lego/cert.pem; key=${root}/lego/key.pem; DOMAIN=example.com`,
    `NGINX_UID=${process.getuid?.() ?? 0}`,
    'log() { echo "acme: $*"; }',
  ].join('\n');
  return execFileSync('sh', ['-c', `${prelude}\n${functions}\n${body}`], { encoding: 'utf8' });
}
const issue = (content: string) => {
  fs.mkdirSync(path.join(root, 'lego'), { recursive: true });
  fs.writeFileSync(path.join(root, 'lego', 'cert.pem'), content);
  fs.writeFileSync(path.join(root, 'lego', 'key.pem'), `key for ${content}`);
};
const live = (...parts: string[]) => path.join(root, 'live', ...parts);
const generation = () => fs.readFileSync(live('generation'), 'utf8').trim();

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'acme-'));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

it('moves a volume of the flat layout to a generation folder at the first check, and then stays put', () => {
  issue('cert A');
  fs.mkdirSync(live(), { recursive: true });
  fs.writeFileSync(live('fullchain.pem'), 'cert A');
  fs.writeFileSync(live('privkey.pem'), 'key for cert A');
  fs.writeFileSync(live('generation'), '20250101T000000Z\n'); // earlier versions: a timestamp, no folder

  const first = acme('if ! deployed; then deploy; fi');
  const gen = generation();
  const second = acme('if ! deployed; then deploy; else echo "acme: nothing to deploy"; fi');

  expect(first).toContain('deployed a new certificate');
  expect(fs.readFileSync(live(gen, 'fullchain.pem'), 'utf8')).toBe('cert A');
  expect(fs.existsSync(live('fullchain.pem'))).toBe(false);
  expect(second).toContain('nothing to deploy');
  expect(generation()).toBe(gen);
});

it('keeps the live generation and the one it replaced, whatever other folders sort after them', () => {
  issue('cert B');
  fs.mkdirSync(live('20990101T000000Z'), { recursive: true }); // a folder from a clock that ran ahead
  fs.mkdirSync(live('zz-leftover'), { recursive: true });
  fs.mkdirSync(live('20260101T000000Z'), { recursive: true });
  fs.writeFileSync(live('20260101T000000Z', 'fullchain.pem'), 'cert A');
  fs.writeFileSync(live('generation'), '20260101T000000Z\n');

  acme('deploy');
  const gen = generation();

  expect(fs.readFileSync(live(gen, 'fullchain.pem'), 'utf8')).toBe('cert B');
  expect(fs.readdirSync(live()).sort()).toEqual(['20260101T000000Z', gen, 'generation'].sort());
});
