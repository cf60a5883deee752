import { postSchema } from '../../app/src/posts/post.model';

export { postSchema };
import { listingLinks } from '../../app/src/listing/listing-links';
import type { ListingPage } from '../../app/src/listing/pagination';
import type { Post } from '../../app/src/posts/post.model';
import { suffix } from './http';
import { CREATED_AT, CSRF, HOSTILE, HOSTILE_HTML, REQUEST_ID, SIGNED_IN, type ViewFixture } from './views';

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

/** The client's fields of a stored document or an API answer: what a test compares with what it sent. */
export const inputOf = (doc: object): PostInput =>
  Object.fromEntries(postFields.map((f) => [f, (doc as Record<string, unknown>)[f]])) as unknown as PostInput;

/** The field that holds the long text (a textarea in the form): size limits and layout tests fill it. */
export const postTextField = 'body' satisfies keyof PostInput;

/** `input` with `text` in its long text field. */
export const withText = (input: PostInput, text: string): PostInput => ({ ...input, [postTextField]: text });

/** `input` with its long text field made of `length` times `letter`. */
export const withLongText = (input: PostInput, length: number, letter = 'x'): PostInput =>
  withText(input, letter.repeat(length));

/** The urlencoded body the HTML form sends. */
export const formBody = (input: Partial<PostInput> | Record<string, string>): string =>
  new URLSearchParams(input as Record<string, string>).toString();

export const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' } as const;
export const jsonHeaders = { 'content-type': 'application/json', accept: 'application/json' } as const;

/** The resource's MongoDB collection, as its schema names it (backup output, raw driver reads). */
export const postCollection = postSchema.get('collection') as string;

/**
 * Locals for each page under app/views/posts, as posts.routes.ts renders them (test/unit/views renders every
 * page). The list is page 2 of 3 with a cursor to older posts, so every pager link renders.
 */
export const post = (n: number): Post => ({
  id: `66aa00000000000000000${String(n).padStart(3, '0')}`,
  title: `${HOSTILE} title ${n}`,
  author: `${HOSTILE} author ${n}`,
  body: `${HOSTILE} body ${n}`,
  version: 0,
  createdAt: CREATED_AT,
  updatedAt: CREATED_AT,
});

/**
 * app/views/posts/list.ejs, as GET /posts renders it (app/src/posts/posts.routes.ts). Owned by the posts pages:
 * when its locals change, update this one object. Page 2 of 3, with a cursor to older posts, so every pager
 * link renders; the links come from the same listingLinks() the route uses.
 */
const postsListing: ListingPage<Post> = {
  items: [post(1), post(2)],
  total: 6,
  limit: 2,
  pages: 3,
  page: 2,
  next: 'cursor-to-older',
  beyondLast: false,
  tooDeep: null,
  deepest: 501,
};
export const POSTS_LIST_LOCALS = {
  title: 'Posts',
  posts: postsListing.items,
  listing: postsListing,
  links: listingLinks(postPaths.list, postsListing),
};

/** The detail page of a document the original app wrote: no author, no timestamps. */
export const legacyDetail = {
  view: 'posts/detail',
  locals: {
    title: 'Old post',
    post: { id: '66aa00000000000000000999', ...postTitled('Old post') },
    canChange: false,
  },
};

export const postViewFixtures: Record<string, ViewFixture> = {
  'posts/detail': {
    locals: { title: post(7).title, post: post(7), canChange: true, requestId: REQUEST_ID, ...SIGNED_IN },
    expect: [
      `<h1>${HOSTILE_HTML} title 7</h1>`,
      `${HOSTILE_HTML} body 7`,
      'datetime="2026-01-02T03:04:00.000Z"',
      `href="${postPaths.detail(post(7).id)}/edit"`,
      `href="${postPaths.detail(post(7).id)}/delete"`,
      `${HOSTILE_HTML} name`,
      `value="${CSRF}"`,
    ],
  },
  'posts/delete': {
    locals: { title: 'Delete', post: { ...post(5), version: 2 }, stale: '', ...SIGNED_IN },
    expect: [`${HOSTILE_HTML} title 5`, 'name="version" value="2"', `value="${CSRF}"`],
  },
  'posts/list': {
    locals: { ...POSTS_LIST_LOCALS, requestId: REQUEST_ID },
    expect: [
      `${HOSTILE_HTML} title 1`,
      `${HOSTILE_HTML} title 2`,
      `href="${postPaths.detail(post(1).id)}"`,
      `rel="prev" href="${postPaths.list}?page=1&amp;limit=2"`,
      `rel="next" href="${postPaths.list}?before=cursor-to-older&amp;limit=2"`,
      '<span aria-current="page">2</span>',
    ],
  },
  'posts/form': {
    locals: {
      title: 'Edit',
      action: postPaths.edit(post(3).id),
      submit: 'Save',
      post: { ...post(3), version: 4 },
      values: { title: HOSTILE, body: HOSTILE },
      errors: { body: [`Body ${HOSTILE}`], _: ['Something else'] },
      stale: `Changed ${HOSTILE}`,
      requestId: REQUEST_ID,
      ...SIGNED_IN,
    },
    expect: [
      `value="${HOSTILE_HTML}"`,
      `Body ${HOSTILE_HTML}`,
      'aria-invalid="true"',
      'Something else',
      'name="version" value="4"',
      `Changed ${HOSTILE_HTML}`,
    ],
  },
};
