import { MongoStore } from 'connect-mongo';
import type { Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import type { MongoClient } from 'mongodb';
import type { Connection } from 'mongoose';
import { csrfSync } from 'csrf-sync';
import { dbUnavailable } from '../db/errors';
import type { AccountsService } from './users.service';

declare module 'express-session' {
  interface SessionData {
    userId?: string;
    /** When the login happened (ms): the absolute expiry counts from here, however active the session is. */
    startedAt?: number;
  }
}

export interface SessionOptions {
  secret: string;
  idleMinutes: number;
  absoluteHours: number;
  /** The app's MongoDB client, once connecting has started: sessions live in its `sessions` collection. */
  client: Promise<MongoClient>;
  dbName?: string;
}

export const SESSION_COOKIE = 'sid';
const SESSIONS = 'sessions';

/** The TTL index on the sessions' `expires` (set by the store from the idle expiry). Safe to run again. */
export async function createSessionIndex(connection: Connection): Promise<void> {
  await connection.collection(SESSIONS).createIndex({ expires: 1 }, { expireAfterSeconds: 0 });
}

/**
 * express-session with its store in MongoDB. The cookie: HttpOnly, SameSite=Lax, Secure whenever the request
 * came over HTTPS (req.secure, from nginx's X-Forwarded-Proto), sent only after a login or a form asked for a
 * CSRF token. Idle expiry: the cookie's and the store's TTL, renewed as the session is used; absolute expiry:
 * `startedAt`, checked by signedInUser.
 */
export function sessions(opts: SessionOptions): RequestHandler {
  const idleMs = opts.idleMinutes * 60_000;
  return session({
    name: SESSION_COOKIE,
    secret: opts.secret,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    // Secure follows req.secure: X-Forwarded-Proto counts only from the proxies Express trusts (trust proxy).
    cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: idleMs, path: '/' },
    store: MongoStore.create({
      clientPromise: opts.client,
      dbName: opts.dbName,
      collectionName: SESSIONS,
      ttl: idleMs / 1000,
      // MongoDB deletes expired sessions itself, by the TTL index createSessionIndex makes at start-up
      // (the store's own attempt runs unawaited, and fails unhandled if the app stops at that moment).
      autoRemove: 'disabled',
      touchAfter: 60, // an active session's expiry is written at most once a minute, not on every request
      stringify: false,
    }),
  });
}

/** Sets res.locals.user from the session, read fresh from the users collection; ends expired sessions. */
export function signedInUser(accounts: AccountsService, absoluteHours: number): RequestHandler {
  return async (req, res, next) => {
    const { userId, startedAt } = req.session ?? {};
    if (!userId) return next();
    const tooOld = !startedAt || Date.now() - startedAt > absoluteHours * 3_600_000;
    const actor = tooOld ? undefined : await accounts.actorById(userId);
    if (!actor) {
      await sessionStep(req, 'destroy');
      return next();
    }
    res.locals.user = actor;
    // Nothing a signed-in person sees may be kept by a cache and shown to someone else.
    res.setHeader('Cache-Control', 'private, no-store');
    next();
  };
}

/** express-session's callback methods, awaited. */
export function sessionStep(req: Request, step: 'destroy' | 'regenerate' | 'save'): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session[step]((err: unknown) => (err ? reject(err) : resolve())),
  );
}

/** CSRF tokens for every form (synchronizer pattern: the token lives in the session), read from `_csrf`. */
const csrf = csrfSync({
  getTokenFromRequest: (req) => (req.body as { _csrf?: unknown } | undefined)?._csrf as string | undefined,
});

/**
 * Forms need a session (it holds their CSRF token): an anonymous read that shows one starts it here. Sessions
 * need MongoDB: without one (the database is
 * down, so the session middleware stepped aside) a form page or post answers 503, never a 500.
 */
export const requireSession: RequestHandler = async (req, res, next) => {
  const start = (res.locals as { startSession?: (req: Request, res: Response) => Promise<void> })
    .startSession;
  if (!req.session && start) await start(req, res);
  next(req.session ? undefined : dbUnavailable());
};

/** Checks a form post's CSRF token (403 when it is missing or not this session's). */
export const checkCsrf: RequestHandler[] = [requireSession, csrf.csrfSynchronisedProtection];

/**
 * res.locals.csrfToken() for the views' forms. A page that carries one belongs to one session: it is marked
 * private, no-store, like every page of a signed-in person.
 */
export const csrfTokens: RequestHandler = (req, res, next) => {
  res.locals.csrfToken = () => {
    if (!req.session) throw dbUnavailable();
    res.setHeader('Cache-Control', 'private, no-store');
    return csrf.generateToken(req);
  };
  next();
};
