import { Router, type Request, type RequestHandler, type Response } from 'express';
import { HttpError } from '../errors/http-error';
import { actorOf, type Actor } from '../http/actor';
import { formBody, localPath } from '../http/forms';
import { checkCsrf, requireSession, sessionStep } from './session';
import type { AccountsService } from './users.service';
import { loginSchema, parseWith, registerSchema, tokenSchema } from './users.validation';

export interface AccountPagesOptions {
  bodyLimit: string;
  requireDb: RequestHandler;
  registration: 'open' | 'closed';
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** Pages: register, log in, log out, and the account page with its API tokens. */
export function accountPagesRouter(accounts: AccountsService, opts: AccountPagesOptions): Router {
  const router = Router();
  const { requireDb } = opts;
  const form = [...formBody(opts.bodyLimit), ...checkCsrf];

  router.get('/register', requireSession, (req, res) => {
    if (opts.registration === 'closed') throw new HttpError(403, 'Registration is closed');
    res.render('users/register', {
      title: 'Register',
      values: {},
      errors: {},
      next: localPath(req.query.next),
    });
  });

  router.post('/register', ...form, requireDb, async (req, res) => {
    if (opts.registration === 'closed') throw new HttpError(403, 'Registration is closed');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = localPath(body.next);
    const again = (status: number, errors: Record<string, string[]>) =>
      res.status(status).render('users/register', {
        title: 'Register',
        values: { username: str(body.username), displayName: str(body.displayName) },
        errors,
        next,
      });
    const parsed = parseWith(registerSchema, body);
    if (!parsed.ok) return again(400, parsed.errors);
    const actor = await accounts.register(parsed.value);
    if (actor === 'taken') return again(409, { username: ['This username is taken'] });
    req.log?.info({ userId: actor.id }, 'account registered');
    await signIn(req, actor);
    res.redirect(303, next === '/' ? '/account' : next);
  });

  router.get('/login', requireSession, (req, res) => {
    res.render('users/login', { title: 'Log in', username: '', error: '', next: localPath(req.query.next) });
  });

  router.post('/login', ...form, requireDb, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = localPath(body.next);
    const again = (status: number, error: string) =>
      res
        .status(status)
        .render('users/login', { title: 'Log in', username: str(body.username), error, next });
    const parsed = parseWith(loginSchema, body);
    const result = parsed.ok
      ? await accounts.authenticate(parsed.value.username, parsed.value.password, req.ip ?? '')
      : ({ ok: false, locked: false } as const);
    if (result.ok) {
      req.log?.info({ userId: result.actor.id }, 'logged in');
      await signIn(req, result.actor);
      res.redirect(303, next);
      return;
    }
    if (result.locked) {
      res.setHeader('Retry-After', String(result.retryAfterS));
      return again(429, `Too many failed attempts: try again in ${result.retryAfterS} s.`);
    }
    again(401, 'Wrong username or password.');
  });

  router.post('/logout', ...form, async (req, res) => {
    await sessionStep(req, 'destroy');
    res.clearCookie('sid', { path: '/' });
    res.redirect(303, '/');
  });

  router.get('/account', requireUser, requireDb, async (_req, res) => {
    await renderAccount(res, accounts, actorOf(res)!);
  });

  router.post('/account/tokens', ...form, requireUser, requireDb, async (req, res) => {
    const actor = actorOf(res)!;
    const parsed = parseWith(tokenSchema, req.body ?? {});
    if (!parsed.ok) return renderAccount(res.status(400), accounts, actor, { errors: parsed.errors });
    const { token, info } = await accounts.createToken(actor.id, parsed.value.name);
    req.log?.info({ userId: actor.id, tokenId: info.id }, 'api token created');
    await renderAccount(res.status(201), accounts, actor, { newToken: token });
  });

  router.post('/account/tokens/:id/revoke', ...form, requireUser, requireDb, async (req, res) => {
    const actor = actorOf(res)!;
    if (!(await accounts.revokeToken(actor.id, req.params.id as string)))
      throw new HttpError(404, 'Token not found');
    req.log?.info({ userId: actor.id, tokenId: req.params.id }, 'api token revoked');
    res.redirect(303, '/account');
  });

  return router;
}

/** Pages that need a signed-in person send everyone else to log in, and back here afterwards. */
export const requireUser: RequestHandler = (req, res, next) => {
  if (actorOf(res)) return next();
  // After a form POST, come back to the page, never to the POST's own URL.
  const back = req.method === 'GET' ? req.originalUrl : '/';
  res.redirect(303, `/login?next=${encodeURIComponent(back)}`);
};

/** A new session id at every login (no fixation), holding only the user id and when the login happened. */
async function signIn(req: Request, actor: Actor): Promise<void> {
  await sessionStep(req, 'regenerate');
  req.session.userId = actor.id;
  req.session.startedAt = Date.now();
  await sessionStep(req, 'save');
}

async function renderAccount(
  res: Response,
  accounts: AccountsService,
  actor: Actor,
  extra: { newToken?: string; errors?: Record<string, string[]> } = {},
): Promise<void> {
  res.render('users/account', {
    title: 'Your account',
    tokens: await accounts.tokens(actor.id),
    newToken: extra.newToken ?? '',
    errors: extra.errors ?? {},
  });
}
