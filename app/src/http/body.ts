import { isUtf8 } from 'node:buffer';
import type { RequestHandler } from 'express';
import { HttpError } from '../errors/http-error';

/**
 * body-parser `verify` hook: refuse bodies that are not valid UTF-8 instead of silently turning bad bytes
 * into U+FFFD. body-parser reports it as type 'entity.verify.failed', which the error handler maps to 400.
 */
export function rejectInvalidUtf8(_req: unknown, _res: unknown, buf: Buffer): void {
  if (!isUtf8(buf))
    throw Object.assign(new Error('Request body is not valid UTF-8'), { status: 400, expose: true });
}

/** 415 unless the request body is `type`, before any parser reads it (`message` says what to send instead). */
export function requireContentType(type: string, message: string): RequestHandler {
  return (req, _res, next) => next(req.is(type) ? undefined : new HttpError(415, message));
}
