import mongoose, { type Connection, type ConnectOptions, type mongo } from 'mongoose';
import type { Config } from '../config';
import { redactUri } from '../config';
import type { Logger } from '../logger';

// Never let user input become a query operator ({"$gt": ""}), and ignore unknown filter paths.
mongoose.set('sanitizeFilter', true);
mongoose.set('strictQuery', true);

/** Delay before retry number `attempt` (0-based): exponential, capped, with +-20 % jitter. */
export function backoffDelay(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random = Math.random,
): number {
  const exp = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  const jitter = 0.8 + 0.4 * random();
  return Math.round(Math.min(maxMs, exp * jitter));
}

export function connectOptions(db: Config['db']): ConnectOptions {
  const opts: ConnectOptions = {
    // Fail fast instead of queueing queries while disconnected: pages answer 503 instead of hanging.
    bufferCommands: false,
    serverSelectionTimeoutMS: db.serverSelectionTimeoutMs,
    heartbeatFrequencyMS: db.heartbeatMs,
    connectTimeoutMS: 5_000,
    maxPoolSize: 20,
    autoIndex: true,
    // A 201 means the post is in the journal: it survives the database being killed right after. (majority is
    // the node itself on a standalone server, and the right default once there is a replica set.)
    writeConcern: { w: 'majority', journal: true },
  };
  if (db.dbName) opts.dbName = db.dbName;
  if (db.user && db.password) {
    opts.auth = { username: db.user, password: db.password };
    opts.authSource = db.authSource;
  }
  return opts;
}

const STATES: Record<number, string> = {
  0: 'disconnected',
  1: 'connected',
  2: 'connecting',
  3: 'disconnecting',
};

/**
 * One Mongoose connection owned by the app. Models are registered on `connection` before it opens,
 * `connectWithRetry()` keeps trying with backoff, and after the first success the driver reconnects by itself.
 */
export class Database {
  readonly connection: Connection;
  private stopped = false;
  private wakeRetry: (() => void) | undefined;
  private connecting: Promise<void> | undefined;
  private everConnected = false;
  private readonly clientListeners: ((client: mongo.MongoClient) => void)[] = [];

  constructor(
    private readonly config: Config['db'],
    private readonly logger: Logger,
  ) {
    this.connection = mongoose.createConnection();
    // Without a listener an 'error' event would crash the process.
    // (Failures of the initial connect are logged once by the retry loop instead.)
    this.connection.on('error', (err: Error) => {
      if (this.everConnected) this.logger.warn({ err: err.message }, 'mongodb connection error');
    });
    this.connection.on('disconnected', () => {
      if (this.everConnected && !this.stopped)
        this.logger.warn('mongodb disconnected; the driver will reconnect');
    });
    this.connection.on('reconnected', () => this.logger.info('mongodb reconnected'));
  }

  get state(): string {
    return STATES[this.connection.readyState] ?? 'unknown';
  }

  /** Calls `listener` with each driver client before it connects (one per connect attempt): pool metrics. */
  onClient(listener: (client: mongo.MongoClient) => void): void {
    this.clientListeners.push(listener);
  }

  isConnected(): boolean {
    return this.connection.readyState === 1;
  }

  /** True only if connected and a ping answers within timeoutMs. */
  async ping(timeoutMs = 1_000): Promise<boolean> {
    const db = this.connection.db;
    if (!this.isConnected() || !db) return false;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      const ping = db
        .admin()
        .command({ ping: 1 })
        .then((r) => r.ok === 1)
        .catch(() => false);
      return await Promise.race([ping, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves once connected; retries forever with capped exponential backoff until close() is called. */
  connectWithRetry(): Promise<void> {
    this.connecting ??= this.retryLoop();
    return this.connecting;
  }

  private async retryLoop(): Promise<void> {
    const { uri, retryInitialMs, retryMaxMs } = this.config;
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        this.logger.info({ uri: redactUri(uri), attempt: attempt + 1 }, 'connecting to mongodb');
        const opening = this.connection.openUri(uri, connectOptions(this.config));
        // openUri has just created the driver's client (synchronously, before its first await); the pool's
        // events come during and after the connect.
        const client = this.connection.getClient() as mongo.MongoClient | undefined;
        if (client) for (const listener of this.clientListeners) listener(client);
        await opening;
        this.everConnected = true;
        this.logger.info({ db: this.connection.name }, 'connected to mongodb');
        return;
      } catch (err) {
        if (this.stopped) return;
        const delay = backoffDelay(attempt, retryInitialMs, retryMaxMs);
        const message = (err as Error).message;
        if (/auth|unauthori[sz]ed|SCRAM/i.test(message)) {
          // Retrying will not fix wrong credentials by itself, but keep trying: a secret may be rotated in.
          this.logger.error(
            { err: message, retryInMs: delay },
            'mongodb rejected the credentials: check DB_USER and DB_PASSWORD or DB_PASSWORD_FILE (with docker compose: ' +
              'the user "app", its password in secrets/app_db/db_password, created by mongo/initdb.d/10-users.js only ' +
              'when the data volume was empty; after a rotation or on an older volume run scripts/secrets-apply.sh, ' +
              'see docs/secrets.md)',
          );
        } else {
          this.logger.warn({ err: message, retryInMs: delay }, 'mongodb not reachable yet');
        }
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, delay);
          this.wakeRetry = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wakeRetry = undefined;
      }
    }
  }

  /** Stops retrying and closes the connection. Waits at most timeoutMs (a connect attempt in progress may not end sooner). */
  async close(timeoutMs = 1_500): Promise<void> {
    this.stopped = true;
    this.wakeRetry?.();
    let timer: NodeJS.Timeout | undefined;
    const closing = this.connection
      .close(true)
      .catch((err: Error) => this.logger.warn({ err: err.message }, 'error closing mongodb'));
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    await Promise.race([closing, timeout]);
    clearTimeout(timer);
  }
}
