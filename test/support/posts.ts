import { postSchema } from '../../app/src/posts/post.model';
import { suffix } from './http';

/**
 * Test data for the posts resource, shared by every test layer (integration, stack, browser, resilience,
 * deploy): its paths, a valid input and its form body. Swapping the resource for another one starts here.
 */

/** The fields a client sends to create a post (the author is the signed-in account's display name). */
export interface PostInput {
  title: string;
  body: string;
}

export const postFields = ['title', 'body'] as const satisfies readonly (keyof PostInput)[];

/** Where the resource lives: HTML pages and the JSON API. */
export const postPaths = {
  /** The list page; also where the form POSTs. */
  list: '/posts',
  detail: (id: string) => `/posts/${id}`,
  newForm: '/posts/new',
  edit: (id: string) => `/posts/${id}/edit`,
  remove: (id: string) => `/posts/${id}/delete`,
  /** The JSON API's collection: GET lists, POST creates. */
  api: '/api/posts',
  apiItem: (id: string) => `/api/posts/${id}`,
} as const;

/** The same places as the app's route patterns: the `route` label on /metrics and in the request log. */
export const postRoutes = {
  list: postPaths.list,
  detail: postPaths.detail(':id'),
  api: postPaths.api,
  apiItem: postPaths.apiItem(':id'),
} as const;

/** A listing (postPaths.list or postPaths.api) from a cursor, as an "Older" link carries it: `?before=<cursor>`. */
export const beforeCursor = (listing: string, cursor: string): string =>
  `${listing}?before=${encodeURIComponent(cursor)}`;

/** A detail page path: what a 303 after the form points at. */
export const postDetailPattern = /^\/posts\/[0-9a-f]{24}$/;

/** The valid post with exactly this title (the body follows from it): for fixtures that pick titles. */
export const postTitled = (title: string): PostInput => ({ title, body: `Body of ${title}` });

/** A post as the seeder stores it, with a made-up author and no owner: for tests that write to the database. */
export const ownerlessPost = (title: string) => ({ ...postTitled(title), author: 'Seeded author' });

/** A valid post, unique on every call (the title carries a random suffix); `overrides` replace fields. */
export function validPost(label = 'Post', overrides: Partial<PostInput> = {}): PostInput {
  return { ...postTitled(`${label} ${suffix()}`), ...overrides };
}

/** The urlencoded body the HTML form sends. */
export const formBody = (input: Partial<PostInput> | Record<string, string>): string =>
  new URLSearchParams(input as Record<string, string>).toString();

export const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' } as const;
export const jsonHeaders = { 'content-type': 'application/json', accept: 'application/json' } as const;

/** The resource's MongoDB collection, as its schema names it (backup output, raw driver reads). */
export const postCollection = postSchema.get('collection') as string;
