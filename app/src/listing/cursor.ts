/**
 * Opaque keyset cursors for the post listing: base64url(JSON {v, s, c, i}).
 *   v  format version (1): an old cursor after a format change is refused, not misread;
 *   s  the sort it was made for (sortId of the spec): a cursor is refused by any other sort;
 *   c  createdAt of the last post shown, in ms, or null for posts written without timestamps;
 *   i  that post's _id (hex): the tie-breaker, so equal createdAt values never skip or repeat a post.
 * Unsigned: a cursor only names a position in a public list, and every field is validated before it reaches
 * a query, so a hand-made cursor can do no more than ?page could.
 */
export const CURSOR_VERSION = 1;
const MAX_CURSOR_LENGTH = 300;
const MAX_DATE_MS = 8.64e15; // the ECMAScript Date range

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

export function cursorCodec(sort: string): CursorCodec {
  return {
    encode({ createdAt, id }) {
      const payload = Buffer.from(
        JSON.stringify({ v: CURSOR_VERSION, s: sort, c: createdAt, i: id.toLowerCase() }),
      ).toString('base64url');
      return payload;
    },

    decode(cursor) {
      if (typeof cursor !== 'string') throw new CursorError('cursor must be a single value');
      if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH)
        throw new CursorError('cursor is empty or too long');
      if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new CursorError('cursor is not valid base64url');
      const payload = cursor;

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
