/**
 * What the bench asks of the stack at each size: the requests a user's browser or an API client makes.
 * Paths only; measure-load.ts puts them behind nginx, straight to the app, or (render_all) the baseline.
 */
import { postPaths, postRoutes, postTitled } from '../../test/support/posts';
import type { RequestSpec } from './lib';

/** The app's default ?limit: a page as a user sees it. */
export const PAGE_SIZE = 20;
/** Readers at once in the micro-cached scenario. */
export const CACHED_CONNECTIONS = 50;

/** What browsers send: the micro-cache keeps gzip for them (and plain for clients that take no gzip). */
export const BROWSER_ENCODINGS = 'gzip, deflate, br, zstd';

export type Via = 'nginx' | 'direct' | 'baseline';

export type ScenarioId =
  | 'page1'
  | 'page1_cached'
  | 'deep_number'
  | 'deep_cursor'
  | 'post_page'
  | 'api_list'
  | 'api_create'
  | 'render_all';

/** What each scenario is called in tables and the chart, whatever the size. */
export const SCENARIO_TITLES: Record<ScenarioId, string> = {
  page1: `${postRoutes.list} (page 1)`,
  page1_cached: `${postRoutes.list} (page 1, anonymous: nginx's micro-cache, ${CACHED_CONNECTIONS} connections)`,
  deep_number: `${postRoutes.list}?page=<deepest>`,
  deep_cursor: `${postRoutes.list}?before=<cursor of that page>`,
  post_page: postRoutes.detail,
  api_list: `GET ${postRoutes.api}`,
  api_create: `POST ${postRoutes.api}`,
  render_all: 'render all (original app)',
};

/** Where this size's deep scenarios point, found before measuring (see measure-load.ts). */
export interface SizeContext {
  posts: number;
  /** The deepest page by number: the last one, or the deepest that numbered pages reach (deepestPage). */
  deepPage: number;
  /** The cursor (from an API `next` link) of the same page. */
  deepCursor: string;
  /** One post to open. */
  postId: string;
}

export interface Scenario {
  id: ScenarioId;
  via: Via[];
  path: string;
  request: RequestSpec;
  /** Writes are bounded in count as well as time. */
  bounded?: boolean;
  /** Always one connection and 1-2 requests, however fast the probe (the render-everything baseline). */
  sequential?: boolean;
  /** Connections instead of the run's setting. */
  connections?: number;
}

// Any cookie takes a request past nginx's micro-cache: every scenario but page1_cached measures the app.
export const UNCACHED = { cookie: 'bench=uncached' } as const;
export const html: RequestSpec = { headers: { accept: 'text/html', ...UNCACHED } };
const json: RequestSpec = { headers: { accept: 'application/json', ...UNCACHED } };

/** The body every POST sends: valid, so the answer must be 201. The bench's database is thrown away. */
export const createBody = JSON.stringify(postTitled('Bench post'));

const renderAll: Scenario = {
  id: 'render_all',
  via: ['baseline'],
  path: '/render-all',
  request: html,
  sequential: true,
};

/** The scenarios at one size; the writes send `writer`'s API token (kept out of the raw results). */
export function scenarios(ctx: SizeContext, writer: { token: string }): Scenario[] {
  const both: Via[] = ['nginx', 'direct'];
  return [
    { id: 'page1', via: both, path: postPaths.list, request: html },
    {
      id: 'page1_cached',
      via: ['nginx'],
      path: postPaths.list,
      // As a browser asks: the cache keeps the gzipped page the app made once (nginx/snippets/micro-cache.conf).
      request: { headers: { accept: 'text/html', 'accept-encoding': BROWSER_ENCODINGS } },
      connections: CACHED_CONNECTIONS,
    },
    {
      id: 'deep_number',
      via: both,
      path: `${postPaths.list}?page=${ctx.deepPage}`,
      request: html,
    },
    {
      id: 'deep_cursor',
      via: both,
      path: `${postPaths.list}?${new URLSearchParams({ before: ctx.deepCursor, limit: String(PAGE_SIZE) })}`,
      request: html,
    },
    { id: 'post_page', via: both, path: postPaths.detail(ctx.postId), request: html },
    { id: 'api_list', via: both, path: postPaths.api, request: json },
    // The original app's way: every post, whatever the page (one URL), served by render-all-baseline.ts. Not
    // past 100 000: a million hydrated documents do not fit its 1.5 GB heap (the ratios use 10k and 100k).
    ...(ctx.posts <= 100_000 ? [renderAll] : []),
    // Last: the posts it writes must not change what the reads above measured.
    {
      id: 'api_create',
      via: both,
      path: postPaths.api,
      request: {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${writer.token}` },
        body: createBody,
      },
      bounded: true,
    },
  ];
}
