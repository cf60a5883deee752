import { argon2, randomBytes, timingSafeEqual, type Argon2Parameters } from 'node:crypto';
import { promisify } from 'node:util';

const argon2Async = promisify(argon2);

// OWASP's first argon2id choice: 19 MiB, 2 passes, 1 lane. Node's own argon2 (node:crypto, Node >= 24.7): no
// native package to build or download.
const PARAMS = { memory: 19_456, passes: 2, parallelism: 1, tagLength: 32 } as const;

/** An argon2id hash in the PHC string format other libraries read too: $argon2id$v=19$m=…,t=…,p=…$salt$hash. */
export async function hashSecret(secret: string): Promise<string> {
  const nonce = randomBytes(16);
  const tag = await derive(secret, { ...PARAMS, nonce });
  const params = `m=${PARAMS.memory},t=${PARAMS.passes},p=${PARAMS.parallelism}`;
  return `$argon2id$v=19$${params}$${b64(nonce)}$${b64(tag)}`;
}

/** Whether `secret` matches a hash from hashSecret, compared in constant time. A malformed hash never matches. */
export async function verifySecret(secret: string, phc: string): Promise<boolean> {
  const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(phc);
  if (!m) return false;
  const expected = Buffer.from(m[5]!, 'base64');
  const tag = await derive(secret, {
    memory: Number(m[1]),
    passes: Number(m[2]),
    parallelism: Number(m[3]),
    nonce: Buffer.from(m[4]!, 'base64'),
    tagLength: expected.length,
  });
  return tag.length === expected.length && timingSafeEqual(tag, expected);
}

/** A hash of nothing anyone knows: verified against when there is no user, so both answers take as long. */
export const NO_USER_HASH = hashSecret(randomBytes(32).toString('base64'));

function derive(message: string, p: Omit<Argon2Parameters, 'message'>): Promise<Buffer> {
  return argon2Async('argon2id', { ...p, message });
}

const b64 = (buf: Buffer) => buf.toString('base64').replace(/=+$/, '');
