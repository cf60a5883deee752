import type { RequestHandler } from 'express';
import { HttpError } from '../errors/http-error';
import type { AccountsService } from './users.service';

const challenge = (error?: string) => ({
  'WWW-Authenticate': error ? `Bearer realm="api", error="${error}"` : 'Bearer realm="api"',
});

/**
 * The JSON API's writes: `Authorization: Bearer <personal API token>` or 401. A session cookie is never read
 * here (the session middleware is not even mounted under /api), so a browser cannot be tricked into a write.
 */
export function requireToken(accounts: AccountsService): RequestHandler {
  return async (req, res, next) => {
    const [scheme, token, ...rest] = (req.get('authorization') ?? '').trim().split(/\s+/);
    if (!scheme || scheme.toLowerCase() !== 'bearer' || !token || rest.length > 0) {
      throw new HttpError(401, 'An API token is required: Authorization: Bearer <token>', undefined, {
        headers: challenge(),
      });
    }
    const actor = await accounts.actorForToken(token);
    if (!actor) {
      throw new HttpError(401, 'The API token is not valid', undefined, {
        headers: challenge('invalid_token'),
      });
    }
    res.locals.user = actor;
    next();
  };
}
