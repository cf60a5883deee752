import { z } from 'zod';
import { fieldErrors } from '../http/field-errors';
import { CursorError, type CursorCodec, type CursorPosition } from './cursor';

export const PAGE_DEFAULT = 1;
export const LIMIT_DEFAULT = 20;
export const LIMIT_MAX = 100;
export const PAGE_MAX = 1_000_000;
/**
 * Numbered pages skip at most this many posts; deeper, the listing continues by cursor (no skip at all). A skip
 * costs what it skips: 100 pages of 20 keep the deepest numbered page within twice page 1's cost (measured by
 * the bench at 100 000 posts: skipping 2 000 runs at 0.60-0.70 of page 1, 5 000 at 0.41, 10 000 at 0.26).
 */
export const NUMBERED_DEPTH_MAX = 2_000;

/** The deepest page number whose skip stays within `depth` posts. */
export const deepestPage = (limit: number, depth = NUMBERED_DEPTH_MAX): number =>
  Math.floor(depth / limit) + 1;

/**
 * ?page, ?limit and ?before. Policy (tested):
 * - missing -> defaults (page 1, limit 20);
 * - not a whole number, < 1, page > 1 000 000, or given twice (array) -> 400;
 * - limit above 100 -> clamped to 100 (a cap, not an error);
 * - before: an opaque cursor from a `next` link; malformed, of another version or another sort -> 400;
 * - page and before together -> 400 (they name two different positions).
 * Only these keys are read; anything else in the query string is ignored.
 */
const positiveInt = (name: string) =>
  z
    .string({ error: `${name} must be a single value` })
    .trim()
    .regex(/^\d{1,9}$/, { error: `${name} must be a positive whole number` })
    .transform(Number)
    .refine((n) => n >= 1, { error: `${name} must be at least 1` });

export const paginationSchema = z.object({
  page: positiveInt('page')
    .refine((n) => n <= PAGE_MAX, { error: `page must be at most ${PAGE_MAX}` })
    .optional()
    .transform((n) => n ?? PAGE_DEFAULT),
  limit: positiveInt('limit')
    .optional()
    .transform((n) => Math.min(n ?? LIMIT_DEFAULT, LIMIT_MAX)),
});

export interface Pagination {
  page: number;
  limit: number;
}

/**
 * Where a listing request starts: a page number (bookmarks) or a cursor (the `next` links); with `author`
 * (a user id, ?author=), only that account's posts.
 */
export type ListingQuery = ({ page: number; limit: number } | { before: CursorPosition; limit: number }) & {
  author?: string;
};

export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: Record<string, string[]> };
export type PaginationResult = ParseResult<Pagination>;

export function parsePagination(query: unknown): PaginationResult {
  const q = (query ?? {}) as Record<string, unknown>;
  const parsed = paginationSchema.safeParse({ page: q.page, limit: q.limit });
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, errors: fieldErrors(parsed.error) };
}

/** parsePagination plus ?before, decoded (and so validated) by the listing's cursor codec. */
export function parseListingQuery(query: unknown, cursors: CursorCodec): ParseResult<ListingQuery> {
  const q = (query ?? {}) as Record<string, unknown>;
  const base = parsePagination(q);
  const errors: Record<string, string[]> = base.ok ? {} : { ...base.errors };
  let before: CursorPosition | undefined;
  if (q.before !== undefined) {
    if (q.page !== undefined) (errors.before ??= []).push('use either page or before, not both');
    try {
      before = cursors.decode(q.before);
    } catch (err) {
      if (!(err instanceof CursorError)) throw err;
      (errors.before ??= []).push(err.message);
    }
  }
  const author = q.author;
  if (author !== undefined && (typeof author !== 'string' || !/^[0-9a-f]{24}$/.test(author))) {
    (errors.author ??= []).push('author must be a user id (24 lower-case hex characters)');
  }
  if (!base.ok || Object.keys(errors).length > 0) return { ok: false, errors };
  const { page, limit } = base.value;
  const by = author === undefined ? {} : { author: author as string };
  return { ok: true, value: before ? { before, limit, ...by } : { page, limit, ...by } };
}

/** How many pages of `limit` the listing has: at least one, so an empty list still has page 1. */
export const pageCount = (total: number, limit: number): number => Math.max(1, Math.ceil(total / limit));

/** Page numbers to link to around `page`, always within 1..pages (a page past the last shows the last ones). */
export function pageWindow(page: number, pages: number, windowSize = 2): number[] {
  const from = Math.max(1, Math.min(page, pages) - windowSize);
  const to = Math.min(pages, Math.min(page, pages) + windowSize);
  const window: number[] = [];
  for (let p = from; p <= to; p++) window.push(p);
  return window;
}

/** One page of the listing. `total` is an estimate (see estimatedTotal), so `pages` is one too. */
export interface ListingPage<T> {
  items: T[];
  total: number;
  limit: number;
  pages: number;
  /** The deepest page number served at this limit (numbered pages skip at most numberedDepthMax posts). */
  deepest: number;
  /** The page number asked for, or null for a cursor page (its position in the list is not known). */
  page: number | null;
  /** Cursor for the next (older) page, or null when the database has nothing older. */
  next: string | null;
  /** A page number past the last page: answered without querying the items at all. */
  beyondLast: boolean;
  /**
   * A page number deeper than numbered pages go (NUMBERED_DEPTH_MAX): the cursor that continues the listing
   * from that depth, and no items. Null otherwise.
   */
  tooDeep: string | null;
}

/** Bounds every read: a slow database answers 503 (MaxTimeMSExpired) well before nginx's 30 s timeout. */
export const DEFAULT_MAX_TIME_MS = 3_000;

/** How long one answer for a listing's total is reused (ms). */
export const DEFAULT_TOTAL_CACHE_MS = 5_000;
