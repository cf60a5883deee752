import { pageWindow } from './pagination';
import type { ListingPage } from './posts.service';

export interface ListingLinks {
  first: string;
  last: string;
  /** The newer page by number, or null on page 1 and on cursor pages (a cursor only walks towards older). */
  prev: string | null;
  /** The older page by cursor, so deep browsing never skips or repeats a post; null when nothing is older. */
  next: string | null;
  /** Page numbers around the current page (page-number pages only). */
  window: { page: number; href: string; current: boolean }[];
}

/** The links of one listing page under `basePath` (/posts or /api/posts), shared by the HTML and the API. */
export function listingLinks(basePath: string, listing: ListingPage): ListingLinks {
  const { limit, pages, page, next } = listing;
  const href = (params: Record<string, string | number>) =>
    `${basePath}?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]))}`;
  const byNumber = (p: number) => href({ page: p, limit });
  const window =
    page === null
      ? []
      : pageWindow(page, pages).map((p) => ({
          page: p,
          href: byNumber(p),
          current: p === page,
        }));
  return {
    first: byNumber(1),
    last: byNumber(pages),
    prev: page !== null && page > 1 ? byNumber(Math.min(page - 1, pages)) : null,
    next: next ? href({ before: next, limit }) : null,
    window,
  };
}
