import { HttpError } from '../errors/http-error';

/** A document's strong ETag: its version, which every change bumps. */
export const etagOf = (version: number): string => `"v${version}"`;

/**
 * The version an API change may apply to, from If-Match: 428 without the header, 412 when no tag in it is
 * `current` (weak tags never match: RFC 9110 compares If-Match strongly). `*` matches any existing document.
 */
export function matchedVersion(ifMatch: string | undefined, current: number): number {
  if (ifMatch === undefined || ifMatch.trim() === '') {
    throw new HttpError(428, 'If-Match is required: send the ETag of the version you are changing');
  }
  const tags = ifMatch.split(',').map((t) => t.trim());
  if (tags.includes('*') || tags.includes(etagOf(current))) return current;
  throw new HttpError(412, 'It has changed since that ETag: fetch it again', undefined, {
    headers: { ETag: etagOf(current) },
  });
}

/** The hidden `version` field of the edit and delete forms; 400 when it is not a version number. */
export function formVersion(value: unknown): number {
  if (typeof value === 'string' && /^\d{1,9}$/.test(value)) return Number(value);
  throw new HttpError(400, 'The form is missing the version it edits: open it again');
}
