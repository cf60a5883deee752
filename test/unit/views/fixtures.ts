/**
 * Locals for each page under app/views, as its route or the error handler passes them (plus requestId, which
 * the app sets on res.locals). HOSTILE text sits wherever user input can end up, so the tests can check it is
 * escaped. Adding a view means adding its entry here: views.test.ts fails for a view without one.
 */
import { listingLinks } from '../../../app/src/posts/listing-links';
import type { Post } from '../../../app/src/posts/post.model';
import type { ListingPage } from '../../../app/src/posts/posts.service';
import { postPaths } from '../../support/posts';

export const HOSTILE = '<script>alert("x")</script>';
export const HOSTILE_HTML = '&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;';

const REQUEST_ID = 'req-1234';
const CSRF = 'csrf-token-1';
/** What a signed-in page gets from the session middleware: the user, and a CSRF token for its forms. */
const SIGNED_IN = { user: { id: 'u1', name: `${HOSTILE} name`, admin: false }, csrfToken: () => CSRF };
const CREATED_AT = new Date(Date.UTC(2026, 0, 2, 3, 4));

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
const postsListing: ListingPage = {
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

export interface ViewFixture {
  locals: Record<string, unknown>;
  /** Text the rendered page must contain (already HTML-escaped where it matters). */
  expect: string[];
}

export const VIEW_FIXTURES: Record<string, ViewFixture> = {
  home: {
    locals: { title: 'Welcome', dbState: 'connected', requestId: REQUEST_ID },
    expect: ['The app is running correctly', `href="${postPaths.list}"`, 'href="/healthz"', '>connected<'],
  },
  '404': {
    locals: { title: '404 Not found', status: 404, message: `Not found ${HOSTILE}`, requestId: REQUEST_ID },
    expect: ['404 · Not found', `Not found ${HOSTILE_HTML}`],
  },
  '500': {
    locals: {
      title: '500 Internal Server Error',
      status: 500,
      message: 'Internal Server Error',
      stack: `Error: ${HOSTILE}\n    at x.ts:1`,
      requestId: REQUEST_ID,
    },
    expect: [
      '500 · Something went wrong',
      `<pre class="stack">Error: ${HOSTILE_HTML}`,
      `<code>${REQUEST_ID}</code>`,
    ],
  },
  '503': {
    locals: {
      title: '503 The database is not available right now',
      status: 503,
      message: 'The database is not available right now',
      requestId: REQUEST_ID,
    },
    expect: ['503 · Temporarily unavailable', 'The database is not available right now.'],
  },
  error: {
    locals: { title: '400 Bad request', status: 400, message: `Bad ${HOSTILE}`, requestId: REQUEST_ID },
    expect: [`400 · Bad ${HOSTILE_HTML}`],
  },
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
  'posts/edit': {
    locals: {
      title: 'Edit',
      post: { ...post(3), version: 4 },
      values: { title: HOSTILE, body: HOSTILE },
      errors: { body: [`Body ${HOSTILE}`] },
      stale: `Changed ${HOSTILE}`,
      ...SIGNED_IN,
    },
    expect: [
      `value="${HOSTILE_HTML}"`,
      `Body ${HOSTILE_HTML}`,
      'name="version" value="4"',
      `Changed ${HOSTILE_HTML}`,
    ],
  },
  'posts/delete': {
    locals: { title: 'Delete', post: { ...post(5), version: 2 }, stale: '', ...SIGNED_IN },
    expect: [`${HOSTILE_HTML} title 5`, 'name="version" value="2"', `value="${CSRF}"`],
  },
  'users/login': {
    locals: {
      title: 'Log in',
      username: HOSTILE,
      error: `Wrong ${HOSTILE}`,
      next: '/posts?x=<b>',
      csrfToken: () => CSRF,
    },
    expect: [
      `value="${HOSTILE_HTML}"`,
      `Wrong ${HOSTILE_HTML}`,
      'value="/posts?x=&lt;b&gt;"',
      `value="${CSRF}"`,
    ],
  },
  'users/register': {
    locals: {
      title: 'Register',
      values: { username: HOSTILE, displayName: HOSTILE },
      errors: { password: [`Password ${HOSTILE}`] },
      next: '/',
      csrfToken: () => CSRF,
    },
    expect: [`value="${HOSTILE_HTML}"`, `Password ${HOSTILE_HTML}`, 'type="password"', `value="${CSRF}"`],
  },
  'users/account': {
    locals: {
      title: 'Your account',
      tokens: [{ id: '66aa00000000000000000001', name: `${HOSTILE} token`, createdAt: CREATED_AT }],
      newToken: 'pat_new',
      errors: {},
      ...SIGNED_IN,
    },
    expect: [`${HOSTILE_HTML} token`, 'pat_new', '/account/tokens/66aa00000000000000000001/revoke'],
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
  'posts/new': {
    locals: {
      title: 'New post',
      values: { title: HOSTILE, body: HOSTILE },
      errors: { title: [`Title ${HOSTILE}`], _: ['Something else'] },
      requestId: REQUEST_ID,
      ...SIGNED_IN,
    },
    expect: [`value="${HOSTILE_HTML}"`, `Title ${HOSTILE_HTML}`, 'aria-invalid="true"', 'Something else'],
  },
};
