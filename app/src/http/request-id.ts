import { randomUUID } from 'node:crypto';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The request id from X-Request-ID (nginx sends its 32-hex $request_id) when it is short and made of safe
 * characters; otherwise a fresh UUID. Keeps log lines and the echoed header free of injected content.
 */
export function sanitizeRequestId(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return typeof value === 'string' && SAFE_ID.test(value) ? value : randomUUID();
}
