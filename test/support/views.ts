/**
 * What the view tests share: hostile text wherever user input can end up (so a test can check it is
 * escaped), the request id, and the locals a signed-in page gets.
 */
export const HOSTILE = '<script>alert("x")</script>';
export const HOSTILE_HTML = '&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;';

export const REQUEST_ID = 'req-1234';
export const CSRF = 'csrf-token-1';
/** What a signed-in page gets from the session middleware: the user, and a CSRF token for its forms. */
export const SIGNED_IN = { user: { id: 'u1', name: `${HOSTILE} name`, admin: false }, csrfToken: () => CSRF };
export const CREATED_AT = new Date(Date.UTC(2026, 0, 2, 3, 4));

export interface ViewFixture {
  locals: Record<string, unknown>;
  /** Text the rendered page must contain (already HTML-escaped where it matters). */
  expect: string[];
}
