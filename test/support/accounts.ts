import type { AxiosInstance, AxiosResponse } from 'axios';
import { httpClient, suffix } from './http';
import { jsonHeaders } from './posts';

/** An account the test registered through the pages, signed in (cookie) and with an API token. */
export interface Account {
  username: string;
  password: string;
  name: string;
  /** `sid=…`, the session cookie as a Cookie header sends it. */
  cookie: string;
  token: string;
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' } as const;

/** The session cookie a response sets (`sid=…`), or undefined. */
export function sessionCookie(res: AxiosResponse): string | undefined {
  const setCookie = res.headers['set-cookie'] ?? [];
  return setCookie.map((c) => c.split(';')[0]!).find((c) => c.startsWith('sid='));
}

/** The CSRF token in a page's forms. */
export function csrfIn(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error(`no CSRF token in the page: ${html.slice(0, 200)}`);
  return m[1]!;
}

/**
 * Submits the form on `page` as a browser would: GETs the page (with `cookie`, if any) for its CSRF token and
 * session, then POSTs `fields` to `action`, both with `headers`. The cookie to use afterwards is the
 * response's, if it set one.
 */
export async function submitForm(
  http: AxiosInstance,
  page: string,
  action: string,
  fields: Record<string, string>,
  cookie?: string,
  headers: Record<string, string> = {},
): Promise<{ res: AxiosResponse<string>; cookie: string | undefined }> {
  const form = await http.get<string>(page, {
    headers: { ...headers, ...(cookie ? { cookie } : {}) },
    responseType: 'text',
  });
  if (form.status !== 200) throw new Error(`GET ${page}: ${form.status}`);
  const session = sessionCookie(form) ?? cookie;
  const body = new URLSearchParams({ ...fields, _csrf: csrfIn(form.data) }).toString();
  const res = await http.post<string>(action, body, {
    headers: { ...headers, ...FORM, ...(session ? { cookie: session } : {}) },
    responseType: 'text',
  });
  return { res, cookie: sessionCookie(res) ?? session };
}

/**
 * Registers a fresh account through the register page, as a person would, and creates an API token on the
 * account page. `label` shows in the username (lower-case, digits, '-').
 */
export async function registerAccount(
  baseUrlOrHttp: string | AxiosInstance,
  label = 'user',
): Promise<Account> {
  const http = typeof baseUrlOrHttp === 'string' ? httpClient(baseUrlOrHttp) : baseUrlOrHttp;
  const username = `${label}-${suffix()}`.toLowerCase().slice(0, 32);
  const password = `pw-${suffix()}-${suffix()}`;
  const name = `Test ${label} ${suffix()}`;
  const registered = await submitForm(http, '/register', '/register', {
    username,
    displayName: name,
    password,
  });
  if (registered.res.status !== 303 || !registered.cookie) {
    throw new Error(`register ${username}: ${registered.res.status} ${registered.res.data.slice(0, 300)}`);
  }
  const cookie = registered.cookie;
  const created = await submitForm(http, '/account', '/account/tokens', { name: 'tests' }, cookie);
  const token = /data-testid="new-token">([^<]+)</.exec(created.res.data)?.[1];
  if (created.res.status !== 201 || !token) throw new Error(`token for ${username}: ${created.res.status}`);
  return { username, password, name, cookie, token };
}

/** The header that makes an API request the account's. */
export const bearer = (account: Pick<Account, 'token'>) => ({ authorization: `Bearer ${account.token}` });

/** Headers for a JSON write to the API as `account`. */
export const apiWrite = (account: Pick<Account, 'token'>) => ({ ...jsonHeaders, ...bearer(account) });

/** An HTTP client (httpClient's settings) that sends `account`'s API token with every request. */
export function apiClientFor(baseURL: string, account: Pick<Account, 'token'>): AxiosInstance {
  const client = httpClient(baseURL);
  client.defaults.headers.common.authorization = `Bearer ${account.token}`;
  return client;
}

/** What a signed-in browser sends with a form: its cookie and the session's CSRF token (read from `page`). */
export interface FormSession {
  csrf: string;
  /** Request options for axios: the urlencoded content type and the session cookie. */
  options: { headers: Record<string, string> };
  /** `fields` as the form's urlencoded body, with the CSRF token. */
  body(fields: Record<string, string>): string;
}

export async function formSession(
  http: AxiosInstance,
  account: Pick<Account, 'cookie'>,
  page = '/account',
): Promise<FormSession> {
  const res = await http.get<string>(page, { headers: { cookie: account.cookie }, responseType: 'text' });
  if (res.status !== 200) throw new Error(`GET ${page} as a signed-in user: ${res.status}`);
  const csrf = csrfIn(res.data);
  return {
    csrf,
    options: { headers: { ...FORM, cookie: account.cookie } },
    body: (fields) => new URLSearchParams({ ...fields, _csrf: csrf }).toString(),
  };
}

/**
 * One account per site, registered on first use: `(baseUrl) => Promise<Account>`. For suites whose tests
 * write but are not about accounts (a stack restarted on the same volume keeps its users and sessions).
 */
export function accountPerSite(label: string): (baseUrl: string) => Promise<Account> {
  const accounts = new Map<string, Promise<Account>>();
  return (baseUrl) => {
    let account = accounts.get(baseUrl);
    if (!account) {
      account = registerAccount(baseUrl, label);
      accounts.set(baseUrl, account);
      account.catch(() => accounts.delete(baseUrl));
    }
    return account;
  };
}
