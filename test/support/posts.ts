import { suffix } from './http';

/**
 * Test data for the posts resource, shared by every test layer (integration, stack, browser, resilience,
 * deploy): its paths, a valid input and its form body. Swapping the resource for another one starts here.
 */

/** The fields a client sends to create a post. */
export interface PostInput {
  title: string;
  body: string;
  author: string;
}

export const postFields = ['title', 'body', 'author'] as const satisfies readonly (keyof PostInput)[];

/** Where the resource lives: HTML pages and the JSON API. */
export const postPaths = {
  /** The list page; also where the form POSTs. */
  list: '/posts',
  detail: (id: string) => `/posts/${id}`,
  newForm: '/posts/new',
  /** The JSON API's collection: GET lists, POST creates. */
  api: '/api/posts',
  apiItem: (id: string) => `/api/posts/${id}`,
} as const;

/** A detail page path: what a 303 after the form points at. */
export const postDetailPattern = /^\/posts\/[0-9a-f]{24}$/;

/** A valid post, unique on every call (the title carries a random suffix); `overrides` replace fields. */
export function validPost(label = 'Post', overrides: Partial<PostInput> = {}): PostInput {
  const title = `${label} ${suffix()}`;
  return { title, body: `Body of ${title}`, author: 'Test author', ...overrides };
}

/** The urlencoded body the HTML form sends. */
export const formBody = (input: Partial<PostInput> | Record<string, string>): string =>
  new URLSearchParams(input as Record<string, string>).toString();

export const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' } as const;
export const jsonHeaders = { 'content-type': 'application/json', accept: 'application/json' } as const;
