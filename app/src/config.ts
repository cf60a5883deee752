import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { z } from 'zod';
import { parseCidrs } from './http/trust-proxy';
import { NUMBERED_DEPTH_MAX } from './listing/pagination';
import { PRODUCT } from './product';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Integer from an env string, with bounds. Empty strings count as "not set". */
const int = (def: number, min: number, max: number) =>
  z.preprocess(
    (v) => (v === '' || v === undefined ? undefined : v),
    z.coerce
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(min, { error: `must be >= ${min}` })
      .max(max, { error: `must be <= ${max}` })
      .default(def),
  );

const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());

/** Sizes understood by body-parser (bytes package): 100kb, 1mb, 512b, or a plain number of bytes. */
const byteSize = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^\d+(\.\d+)?\s*(b|kb|mb)?$/, { error: 'must look like 100kb, 1mb or a number of bytes' });

const DEFAULT_DB_HOST = `mongodb://localhost:27017/${PRODUCT.database}`;

const envSchema = z
  .object({
    APP_NAME: z.preprocess(
      (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
      z.string().trim().max(100, { error: 'must be at most 100 characters' }).default(PRODUCT.displayName),
    ),
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().min(1).default('0.0.0.0'),
    PORT: int(3000, 0, 65535),
    DB_HOST: z
      .string()
      .trim()
      .regex(/^mongodb(\+srv)?:\/\/\S+$/, {
        error: `must be a MongoDB URI like mongodb://mongo_db:27017/${PRODUCT.database}`,
      })
      .default(DEFAULT_DB_HOST),
    DB_NAME: optionalString,
    DB_USER: optionalString,
    DB_PASSWORD: optionalString,
    DB_PASSWORD_FILE: optionalString,
    DB_AUTH_SOURCE: z.string().min(1).default('admin'),
    DB_CONNECT_RETRY_INITIAL_MS: int(500, 10, 60_000),
    DB_CONNECT_RETRY_MAX_MS: int(10_000, 10, 300_000),
    DB_SERVER_SELECTION_TIMEOUT_MS: int(5_000, 100, 120_000),
    DB_HEARTBEAT_MS: int(2_000, 500, 60_000),
    DB_QUERY_TIMEOUT_MS: int(3_000, 100, 60_000),
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    SEED_ON_START: z.enum(['never', 'if-empty']).default('never'),
    SEED_COUNT: int(100, 0, 10_000_000),
    BODY_LIMIT: byteSize.default('100kb'),
    LISTING_TOTAL_CACHE_MS: int(5_000, 0, 60_000),
    LISTING_PAGE_DEPTH: int(NUMBERED_DEPTH_MAX, 1, 1_000_000),
    SHUTDOWN_TIMEOUT_MS: int(8_000, 1_000, 9_500),
    SHUTDOWN_DELAY_MS: int(0, 0, 5_000),
    KEEP_ALIVE_TIMEOUT_MS: int(65_000, 1_000, 600_000),
    APP_VERSION: optionalString,
    REGISTRATION: z.enum(['open', 'closed']).default('open'),
    // The key that signs session cookies, in a file (the stack generates one into secrets/app/).
    SESSION_SECRET_FILE: optionalString,
    SESSION_IDLE_MINUTES: int(120, 1, 43_200),
    SESSION_ABSOLUTE_HOURS: int(24, 1, 8_760),
    // Load balancers in front of nginx (the same list nginx gets): beyond nginx, only they are trusted.
    TRUSTED_PROXY_CIDRS: z
      .string()
      .default('')
      .transform((raw, ctx) => {
        const parsed = parseCidrs(raw);
        if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.error });
        return parsed.ok ? parsed.cidrs : [];
      }),
  })
  .superRefine((env, ctx) => {
    if (env.DB_PASSWORD && env.DB_PASSWORD_FILE) {
      ctx.addIssue({
        code: 'custom',
        path: ['DB_PASSWORD_FILE'],
        message: 'set DB_PASSWORD or DB_PASSWORD_FILE, not both',
      });
    }
    if ((env.DB_PASSWORD || env.DB_PASSWORD_FILE) && !env.DB_USER) {
      ctx.addIssue({ code: 'custom', path: ['DB_USER'], message: 'is required when a DB password is given' });
    }
    if (env.DB_USER && !env.DB_PASSWORD && !env.DB_PASSWORD_FILE) {
      ctx.addIssue({
        code: 'custom',
        path: ['DB_PASSWORD'],
        message: 'DB_USER is set but neither DB_PASSWORD nor DB_PASSWORD_FILE',
      });
    }
    if (env.NODE_ENV === 'production' && !env.SESSION_SECRET_FILE) {
      ctx.addIssue({
        code: 'custom',
        path: ['SESSION_SECRET_FILE'],
        message: 'is required in production (replicas must share one key, and restarts keep sessions)',
      });
    }
    if (env.DB_CONNECT_RETRY_MAX_MS < env.DB_CONNECT_RETRY_INITIAL_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['DB_CONNECT_RETRY_MAX_MS'],
        message: 'must be >= DB_CONNECT_RETRY_INITIAL_MS',
      });
    }
    if (env.SHUTDOWN_DELAY_MS >= env.SHUTDOWN_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['SHUTDOWN_DELAY_MS'],
        message: 'must be below SHUTDOWN_TIMEOUT_MS',
      });
    }
  });

export interface Config {
  /** APP_NAME: page titles, the header and the home page. Defaults to PRODUCT.displayName. */
  appName: string;
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  logLevel: (typeof LOG_LEVELS)[number];
  version: string;
  bodyLimit: string;
  /** How long the listing's estimated total is reused (0: asked on every request). */
  listingTotalCacheMs: number;
  /** How many posts a numbered page (?page=N) may skip; deeper pages continue by cursor. */
  listingPageDepth: number;
  keepAliveTimeoutMs: number;
  /** Must stay above keepAliveTimeoutMs (Node requirement for keep-alive to be honoured). */
  headersTimeoutMs: number;
  shutdownTimeoutMs: number;
  shutdownDelayMs: number;
  /** TRUSTED_PROXY_CIDRS: load balancers trusted beyond nginx for X-Forwarded-For/-Proto (http/trust-proxy.ts). */
  trustedProxyCidrs: string[];
  db: {
    uri: string;
    /** DB_NAME, else PRODUCT.database when DB_HOST names no database; undefined means "the one in DB_HOST". */
    dbName?: string;
    user?: string;
    password?: string;
    authSource: string;
    retryInitialMs: number;
    retryMaxMs: number;
    serverSelectionTimeoutMs: number;
    heartbeatMs: number;
    /** maxTimeMS on every read: a slow database answers 503 in bounded time, not at nginx's 30 s timeout. */
    queryTimeoutMs: number;
  };
  seed: { onStart: 'never' | 'if-empty'; count: number };
  /** REGISTRATION: whether anyone may create an account (closed: `npm run user:create` only). */
  registration: 'open' | 'closed';
  session: {
    secret: string;
    /** Ends after this long without a request. */
    idleMinutes: number;
    /** Ends this long after the login, however active. */
    absoluteHours: number;
  };
}

export class ConfigError extends Error {
  constructor(public readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parse and validate environment variables. Throws ConfigError with one readable line per problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const key = issue.path.join('.') || '(root)';
        const raw = env[key];
        // Never echo secrets back: no password, and no credentials from a URI too malformed to parse.
        const safe = key === 'DB_HOST' && raw !== undefined ? withoutUserInfo(raw) : raw;
        const shown = safe === undefined || /PASSWORD/.test(key) ? '' : ` (got ${JSON.stringify(safe)})`;
        return `${key}: ${issue.message}${shown}`;
      }),
    );
  }
  const e = result.data;
  const password = e.DB_PASSWORD_FILE ? readSecret('DB_PASSWORD_FILE', e.DB_PASSWORD_FILE) : e.DB_PASSWORD;
  return {
    registration: e.REGISTRATION,
    session: {
      // Outside production a key per process is enough: sessions end with the process.
      secret: e.SESSION_SECRET_FILE
        ? readSecret('SESSION_SECRET_FILE', e.SESSION_SECRET_FILE)
        : randomBytes(32).toString('hex'),
      idleMinutes: e.SESSION_IDLE_MINUTES,
      absoluteHours: e.SESSION_ABSOLUTE_HOURS,
    },
    appName: e.APP_NAME,
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    version: e.APP_VERSION ?? PRODUCT.version,
    bodyLimit: e.BODY_LIMIT.replace(/\s+/g, ''),
    listingTotalCacheMs: e.LISTING_TOTAL_CACHE_MS,
    listingPageDepth: e.LISTING_PAGE_DEPTH,
    keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
    headersTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS + 1_000,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    shutdownDelayMs: e.SHUTDOWN_DELAY_MS,
    trustedProxyCidrs: e.TRUSTED_PROXY_CIDRS,
    db: {
      uri: e.DB_HOST,
      dbName: e.DB_NAME ?? (uriDatabase(e.DB_HOST) ? undefined : PRODUCT.database),
      user: e.DB_USER,
      password,
      authSource: e.DB_AUTH_SOURCE,
      retryInitialMs: e.DB_CONNECT_RETRY_INITIAL_MS,
      retryMaxMs: e.DB_CONNECT_RETRY_MAX_MS,
      serverSelectionTimeoutMs: e.DB_SERVER_SELECTION_TIMEOUT_MS,
      heartbeatMs: e.DB_HEARTBEAT_MS,
      queryTimeoutMs: e.DB_QUERY_TIMEOUT_MS,
    },
    seed: { onStart: e.SEED_ON_START, count: e.SEED_COUNT },
  };
}

/** A secret from a file: one trailing newline dropped; a missing or empty file is a ConfigError. */
function readSecret(key: string, file: string): string {
  let value: string;
  try {
    value = fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new ConfigError([`${key}: cannot read ${file}: ${(err as Error).message}`]);
  }
  if (!value) throw new ConfigError([`${key}: ${file} is empty`]);
  return value;
}

/** The database named in a MongoDB URI's path ('' when there is none: the driver would use "test"). */
export function uriDatabase(uri: string): string {
  return /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]*)/.exec(uri)?.[1] ?? '';
}

/** Everything up to the last '@' (user, password) of a string that may be a broken URI, as `***`. */
function withoutUserInfo(text: string): string {
  const at = text.lastIndexOf('@');
  return at < 0 ? text : `***@${text.slice(at + 1)}`;
}

/** Hide credentials in a MongoDB URI before logging it. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^@/]+)@/, '//***@');
}
