import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Opaque keyset cursors for the post listing: base64url(JSON {v, s, c, i}) [ "." base64url(HMAC) ].
 *   v  format version (1): an old cursor after a format change is refused, not misread;
 *   s  the sort it was made for (sortId of the spec): a cursor is refused by any other sort;
 *   c  createdAt of the last post shown, in ms, or null for posts written without timestamps;
 *   i  that post's _id (hex): the tie-breaker, so equal createdAt values never skip or repeat a post.
 * Unsigned by default: a cursor only names a position in a public list, and every field is validated
 * before it reaches a query, so a hand-made cursor can do no more than ?page could. With a secret, cursors
 * are HMAC-signed and an unsigned or altered one is refused (all replicas must share the secret).
 */
export const CURSOR_VERSION = 1;
const MAX_CURSOR_LENGTH = 300;
const MAX_DATE_MS = 8.64e15; // the ECMAScript Date range
const SIG_BYTES = 16;

export interface CursorPosition {
  /** createdAt in ms since the epoch; null for a document without createdAt (written by the original app). */
  createdAt: number | null;
  /** 24 lower-case hex characters. */
  id: string;
}

export class CursorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CursorError';
  }
}

export interface CursorCodec {
  encode(position: CursorPosition): string;
  /** Throws CursorError with a message fit for the client. */
  decode(cursor: unknown): CursorPosition;
}

export function cursorCodec(sort: string, opts: { secret?: string } = {}): CursorCodec {
  const sign = (payload: string) =>
    createHmac('sha256', opts.secret!).update(payload).digest().subarray(0, SIG_BYTES).toString('base64url');

  return {
    encode({ createdAt, id }) {
      const payload = Buffer.from(
        JSON.stringify({ v: CURSOR_VERSION, s: sort, c: createdAt, i: id.toLowerCase() }),
      ).toString('base64url');
      return opts.secret ? `${payload}.${sign(payload)}` : payload;
    },

    decode(cursor) {
      if (typeof cursor !== 'string') throw new CursorError('cursor must be a single value');
      if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH)
        throw new CursorError('cursor is empty or too long');
      const match = /^([A-Za-z0-9_-]+)(?:\.([A-Za-z0-9_-]+))?$/.exec(cursor);
      if (!match) throw new CursorError('cursor is not valid base64url');
      const [, payload, signature] = match as unknown as [string, string, string | undefined];
      if (opts.secret) {
        const expected = Buffer.from(sign(payload));
        const given = Buffer.from(signature ?? '');
        if (given.length !== expected.length || !timingSafeEqual(given, expected))
          throw new CursorError('cursor signature is missing or wrong');
      } else if (signature !== undefined) {
        throw new CursorError('cursor is not valid base64url');
      }

      let data: unknown;
      try {
        data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      } catch {
        throw new CursorError('cursor is malformed');
      }
      if (typeof data !== 'object' || data === null || Array.isArray(data))
        throw new CursorError('cursor is malformed');
      const { v, s, c, i, ...rest } = data as Record<string, unknown>;
      if (Object.keys(rest).length > 0) throw new CursorError('cursor is malformed');
      if (v !== CURSOR_VERSION)
        throw new CursorError(`cursor version is not supported (expected ${CURSOR_VERSION})`);
      if (s !== sort) throw new CursorError('cursor was made for another sort order');
      if (c !== null && !(Number.isSafeInteger(c) && Math.abs(c as number) <= MAX_DATE_MS))
        throw new CursorError('cursor position is malformed');
      if (typeof i !== 'string' || !/^[0-9a-f]{24}$/.test(i))
        throw new CursorError('cursor position is malformed');
      return { createdAt: c as number | null, id: i };
    },
  };
}
