import express, { type RequestHandler } from 'express';
import { rejectInvalidUtf8, requireContentType } from './body';

/** What every HTML form POST passes first: 415 unless urlencoded, then a bounded, UTF-8-checked parse. */
export function formBody(bodyLimit: string, parameterLimit = 20): RequestHandler[] {
  return [
    requireContentType(
      'application/x-www-form-urlencoded',
      'Send the form as application/x-www-form-urlencoded',
    ),
    express.urlencoded({ extended: false, limit: bodyLimit, parameterLimit, verify: rejectInvalidUtf8 }),
  ];
}

/** A path on this site to go back to after a login ('/' when `value` is anything else, e.g. //evil.example). */
export function localPath(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) && value.length <= 2000 ? value : '/';
}
