/**
 * Locals for each page under app/views, as its route or the error handler passes them (plus requestId, which
 * the app sets on res.locals). HOSTILE text sits wherever user input can end up, so the tests can check it is
 * escaped. Adding a view means adding its entry here: views.test.ts fails for a view without one.
 */
import { postPaths, postViewFixtures } from '../../support/posts';
import {
  CREATED_AT,
  CSRF,
  HOSTILE,
  HOSTILE_HTML,
  REQUEST_ID,
  SIGNED_IN,
  type ViewFixture,
} from '../../support/views';

export { HOSTILE, HOSTILE_HTML };

export const VIEW_FIXTURES: Record<string, ViewFixture> = {
  ...postViewFixtures,
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
};
