import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { docker } from './docker';
import type { HeldRequest, HeldResponse } from './held-request';

// Runs inside a container with bash (nginx's): opens the connection with bash's /dev/tcp, sends all of the
// request but its last byte, says "held", waits for the release file, sends the last byte, prints the answer.
const script = `
exec 3<>"/dev/tcp/$1/$2" || exit 3
printf '%s' "$3" >&3
echo held
until [ -e "$5" ]; do sleep 0.05; done
printf '%s' "$4" >&3
cat <&3
`;

/**
 * holdRequest (../../support/held-request.ts), sent from inside `fromContainer` straight to `host:port` on
 * the compose network. Through nginx a held body would never reach the app: nginx reads the whole request
 * body before it opens the upstream connection. Resolves once the request is held.
 */
export async function holdRequestInContainer(
  fromContainer: string,
  target: { host: string; port: number },
  options: { method?: string; path: string; headers?: Record<string, string>; body: string },
): Promise<HeldRequest> {
  const body = Buffer.from(options.body);
  const headers = {
    host: target.host,
    ...options.headers,
    'content-length': String(body.length),
    connection: 'close',
  };
  const head =
    `${options.method ?? 'POST'} ${options.path} HTTP/1.1\r\n` +
    Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('') +
    '\r\n' +
    body.subarray(0, -1).toString('latin1');
  const releaseFile = `/tmp/release-${randomUUID()}`;
  const child = spawn(
    'docker',
    [
      'exec',
      fromContainer,
      'bash',
      '-c',
      script,
      'held-request',
      target.host,
      String(target.port),
      head,
      body.subarray(-1).toString('latin1'),
      releaseFile,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('latin1')));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));

  await new Promise<void>((resolve, reject) => {
    const onData = () => {
      if (!out.startsWith('held\n')) return;
      child.stdout.off('data', onData);
      resolve();
    };
    child.stdout.on('data', onData);
    void exited.then((code) =>
      reject(new Error(`held request ended before it was held (exit ${code}): ${err}`)),
    );
  });

  const response = exited.then((code): HeldResponse => {
    const raw = out.slice('held\n'.length);
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
    if (code !== 0 || !status)
      throw new Error(
        `held request got no HTTP answer (exit ${code}): ${JSON.stringify(raw.slice(0, 200))} ${err}`,
      );
    const split = raw.indexOf('\r\n\r\n');
    const headerLines = raw.slice(0, split).split('\r\n').slice(1);
    const parsed = Object.fromEntries(
      headerLines.map((line) => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
      }),
    );
    return {
      status: Number(status[1]),
      headers: parsed,
      body: Buffer.from(raw.slice(split + 4), 'latin1').toString(),
    };
  });
  return {
    release: async () => {
      await docker(['exec', fromContainer, 'touch', releaseFile]);
    },
    response,
  };
}
