import { pageWindow, type ListingPage } from './pagination';

export interface ListingLinks {
  first: string;
  /** The last page by number; null when it lies past the numbered depth (follow `next` there). */
  last: string | null;
  /** The newer page by number, or null on page 1 and on cursor pages (a cursor only walks towards older). */
  prev: string | null;
  /** The older page by cursor, so deep browsing never skips or repeats a post; null when nothing is older. */
  next: string | null;
  /** Page numbers around the current page (page-number pages only). */
  window: { page: number; href: string; current: boolean }[];
}

/**
 * The links of one listing page under `basePath` (/posts or /api/posts), shared by the HTML and the API.
 * `keep` holds query parameters every link carries (the ?author= filter).
 */
export function listingLinks(
  basePath: string,
  listing: ListingPage<unknown>,
  keep: Record<string, string> = {},
): ListingLinks {
  const { limit, page, next } = listing;
  // Numbered links stop at the depth that numbered pages may skip to; past it, only cursor links lead on.
  const numbered = Math.min(listing.pages, listing.deepest);
  const cursor = next ?? listing.tooDeep;
  const href = (params: Record<string, string | number>) =>
    `${basePath}?${new URLSearchParams([...Object.entries(keep), ...Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])])}`;
  const byNumber = (p: number) => href({ page: p, limit });
  const window =
    page === null
      ? []
      : pageWindow(page, numbered).map((p) => ({
          page: p,
          href: byNumber(p),
          current: p === page,
        }));
  return {
    first: byNumber(1),
    last: listing.pages === numbered ? byNumber(numbered) : null,
    prev: page !== null && page > 1 ? byNumber(Math.min(page - 1, numbered)) : null,
    next: cursor ? href({ before: cursor, limit }) : null,
    window,
  };
}
