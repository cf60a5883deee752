import { randomUUID } from 'node:crypto';
import compression from 'compression';
import express, { type Express, type Request, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Config } from './config';
import { dbUnavailable, mapDbError } from './db/errors';
import { errorHandler, notFoundHandler } from './errors/handlers';
import * as demos from './demos';
import { healthRouter, type DbProbe, type Readiness } from './health/health.routes';
import { createAssetUrl } from './http/assets';
import { addFeatureLinks, homeLinks } from './http/home-links';
import { jsonUnder } from './http/negotiation';
import { openApiDocument, openApiRouter } from './http/openapi';
import { refuseCrossSiteWrites } from './http/cross-site';
import { sanitizeRequestId } from './http/request-id';
import { trustProxy } from './http/trust-proxy';
import { requestLogOptions, type Logger } from './logger';
import { createMetrics, type Metrics } from './metrics/metrics';
import { PUBLIC_DIR, VIEWS_DIR } from './paths';
import { resource, type ResourceModel } from './resource';
import type { MongoClient } from 'mongodb';
import { requireToken } from './users/bearer';
import { checkCsrf, csrfTokens, SESSION_COOKIE, sessions, signedInUser } from './users/session';
import type { AccountModels } from './users/user.model';
import { accountPagesRouter, requireUser } from './users/users.routes';
import { AccountsService } from './users/users.service';

export interface AppDeps {
  config: Pick<
    Config,
    'appName' | 'env' | 'version' | 'bodyLimit' | 'listingTotalCacheMs' | 'registration' | 'session'
  > &
    Partial<Pick<Config, 'trustedProxyCidrs' | 'listingPageDepth'>> & {
      db: Pick<Config['db'], 'queryTimeoutMs'>;
    };
  logger: Logger;
  db: DbProbe & { isConnected(): boolean };
  /** The resource's model (resource.ts). */
  model: ResourceModel;
  /** Users and their API tokens. */
  accounts: AccountModels;
  /** The MongoDB client once connecting has started: sessions are stored through it. */
  mongoClient: Promise<MongoClient>;
  /** Database for the sessions collection (the client's default when undefined). */
  dbName?: string;
  readiness: Readiness;
  /** Prometheus metrics; server.ts passes its own so MongoDB's pool events reach them. */
  metrics?: Metrics;
}

const isStrongEtag = (etag: unknown): boolean => typeof etag === 'string' && etag.startsWith('"');

/** Builds the Express app. Never listens and never connects: server.ts does that. */
export function createApp(deps: AppDeps): Express {
  const { config, logger, db, readiness } = deps;
  const app = express();

  app.disable('x-powered-by');
  // nginx, and beyond it only TRUSTED_PROXY_CIDRS: req.ip is the real client (http/trust-proxy.ts).
  app.set('trust proxy', trustProxy(config.trustedProxyCidrs ?? []));
  app.set('query parser', 'simple'); // ?page[$gt]=1 stays a flat key, never a nested object
  configureViews(app, config);

  const metrics = deps.metrics ?? createMetrics({ version: config.version });
  metrics.setReadinessProbe(() => !readiness.shuttingDown && db.isConnected());
  app.use(metrics.trackRoutePattern);
  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const id = sanitizeRequestId(req.headers['x-request-id']) || randomUUID();
        res.setHeader('X-Request-ID', id);
        return id;
      },
      ...requestLogOptions,
    }),
  );
  // Before the histogram, so Prometheus' own scrapes do not count as traffic.
  app.get('/metrics', metrics.endpoint);
  app.use(metrics.requests);

  // While draining, answer and then close each keep-alive connection: nginx would otherwise keep reusing
  // its upstream sockets until the drain budget cuts them, instead of moving on to another replica.
  app.use((_req, res, next) => {
    if (readiness.shuttingDown) res.setHeader('Connection', 'close');
    next();
  });

  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // Pages use no scripts at all and one same-origin stylesheet.
          'script-src': ["'none'"],
          'style-src': ["'self'"],
          'form-action': ["'self'"],
          // Never framed: the same rule as X-Frame-Options DENY (nginx's own pages say it too).
          'frame-ancestors': ["'none'"],
          'upgrade-insecure-requests': null, // the template runs on plain http://localhost too
        },
      },
      strictTransportSecurity: false, // TLS (and HSTS) is the proxy's job
      xFrameOptions: { action: 'deny' },
      referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    }),
  );
  // helmet has no Permissions-Policy: the pages use no camera, microphone or location, and never will unasked.
  app.use((_req, res, next) => {
    res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
    next();
  });

  // Only when asked: nginx asks for gzip for the answers its micro-cache keeps (one compression per page a
  // second instead of one per reader) and compresses the rest itself (nginx/snippets/proxy-headers.conf).
  // A strong ETag (an API item's version, for If-Match) names exact bytes: those are left to nginx, which
  // weakens the tag when it compresses; Vary is still the app's (nginx adds none to proxied answers).
  app.use(
    compression({
      filter: (req, res) => {
        if (!isStrongEtag(res.getHeader('ETag'))) return compression.filter(req, res);
        (res as Response).vary('Accept-Encoding');
        return false;
      },
    }),
  );

  app.use(
    '/public',
    express.static(PUBLIC_DIR, {
      maxAge: config.env === 'production' ? '1d' : 0,
      index: false,
      fallthrough: true,
    }),
  );

  app.use((req, res, next) => {
    res.locals.requestId = req.id;
    res.locals.currentPath = req.path;
    next();
  });

  // Browsers posting on behalf of another site are refused; curl and same-origin forms are not.
  app.use(refuseCrossSiteWrites());

  const requireDb: RequestHandler = (_req, _res, next) => {
    next(db.isConnected() ? undefined : dbUnavailable());
  };

  const service = new resource.Service(deps.model, {
    maxTimeMs: config.db.queryTimeoutMs,
    totalCacheMs: config.listingTotalCacheMs,
    numberedDepthMax: config.listingPageDepth,
  });
  const accounts = new AccountsService(deps.accounts);
  const { bodyLimit } = config;
  app.use(healthRouter(db, readiness, config.version));
  app.use(
    openApiRouter(openApiDocument({ title: config.appName, version: config.version }, resource.openApi)),
  );
  // The API before the session middleware: a cookie never reaches it (writes take a token).
  app.use(
    resource.apiPath,
    resource.apiRouter(service, { bodyLimit, requireDb, requireToken: requireToken(accounts) }),
  );

  const pagesSession = sessions({ ...config.session, client: deps.mongoClient, dbName: deps.dbName });
  const startSession = (req: Request, res: Response) =>
    new Promise<void>((resolve, reject) => pagesSession(req, res, (err) => (err ? reject(err) : resolve())));
  app.use((req, res, next) => {
    if (req.path.startsWith('/api/')) return next();
    const hasSession = req.headers.cookie?.includes(`${SESSION_COOKIE}=`);
    // Sessions live in MongoDB: with it down, a signed-in request waits for nothing and gets a 503.
    if (!db.isConnected()) return next(hasSession ? dbUnavailable() : undefined);
    // An anonymous read stores nothing and shows no form: it gets a session only if its page asks for one
    // (requireSession: log in, register), so the listing costs no session id, hash or store lookup.
    if (!hasSession && (req.method === 'GET' || req.method === 'HEAD')) {
      res.locals.startSession = startSession;
      return next();
    }
    pagesSession(req, res, next);
  });
  app.use(signedInUser(accounts, config.session.absoluteHours));
  app.use(csrfTokens);
  app.get('/', (_req, res) => {
    res.render('home', { title: 'Welcome', dbState: db.state });
  });
  const pageAuth = { requireUser, csrf: checkCsrf };
  app.use(resource.pagesRouter(service, { bodyLimit, requireDb, ...pageAuth }));
  app.use(accountPagesRouter(accounts, { bodyLimit, requireDb, registration: config.registration }));
  for (const mountDemo of Object.values<(app: Express) => void>(demos)) mountDemo(app);

  app.use(notFoundHandler);
  app.use(
    errorHandler({
      showStack: config.env !== 'production',
      mappers: [mapDbError],
      wantsJson: jsonUnder(['/api', '/healthz', '/readyz']),
    }),
  );
  return app;
}

/**
 * EJS from app/views, and the locals every page may use: appName (APP_NAME), version, env, asset() for
 * cache-busting URLs under /public, and homeLinks that features add. Exported so the view tests render
 * with exactly these settings.
 */
export function configureViews(app: Express, config: Pick<Config, 'appName' | 'env' | 'version'>): void {
  app.set('view engine', 'ejs');
  // An array, not a string: only then does EJS look here for the includes ('partials/header') of a view that
  // a feature renders by absolute path from its own folder.
  app.set('views', [VIEWS_DIR]);
  app.locals.appName = config.appName;
  app.locals.version = config.version;
  app.locals.env = config.env;
  app.locals.asset = createAssetUrl(PUBLIC_DIR, { watch: config.env === 'development' });
  homeLinks(app);
  addFeatureLinks(app, resource.links);
}
