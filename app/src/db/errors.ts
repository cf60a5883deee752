import { HttpError, type ErrorMapper } from '../errors/http-error';

const UNAVAILABLE_MESSAGE = 'The database is not available right now';

/**
 * The driver's and Mongoose's errors for "no usable connection right now", by name (the error layer never
 * imports the driver's classes). MongoPoolClearedError: an operation that was waiting for a connection when
 * the driver threw the pool away (the database went away mid-stream); MongoWaitQueueTimeout: the pool is busy.
 */
const UNAVAILABLE_NAMES =
  /^(MongoNetwork|MongoNetworkTimeout|MongoPoolCleared|PoolCleared|MongoWaitQueueTimeout|MongoServerSelection|MongooseServerSelection|MongoNotConnected|MongoTopologyClosed)/;

/**
 * Server replies that mean "not now" rather than "wrong request": shutting down, restarting, stepping down,
 * unreachable (the codes the driver itself treats as retryable).
 */
const UNAVAILABLE_CODES = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);

const hasLabel = (err: Error, label: string): boolean =>
  typeof (err as { hasErrorLabel?: unknown }).hasErrorLabel === 'function' &&
  (err as unknown as { hasErrorLabel(l: string): boolean }).hasErrorLabel(label);

/** Errors that mean "the database is not there right now" (-> 503), not "the code is broken" (-> 500). */
export function isDbUnavailableError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return (
    UNAVAILABLE_NAMES.test(err.name) ||
    (typeof code === 'number' && UNAVAILABLE_CODES.has(code)) ||
    hasLabel(err, 'RetryableWriteError') ||
    hasLabel(err, 'ResetPool') ||
    // A socket to the database cut mid-write can surface raw ("This socket has been ended by the other
    // party"): requests open no other sockets, so it is the database going away.
    code === 'EPIPE' ||
    code === 'ECONNRESET' ||
    (err.name === 'MongooseError' &&
      /before initial connection is complete|Connection was force closed|not connected|buffering timed out/i.test(
        err.message,
      ))
  );
}

/** A query ran past its maxTimeMS (code 50): the database is too slow right now, so 503 rather than 500. */
export function isMaxTimeExpired(err: unknown): boolean {
  const e = err as { code?: unknown; codeName?: unknown } | null;
  return e?.code === 50 || e?.codeName === 'MaxTimeMSExpired';
}

/** The 503 a request gets while the database is away (also thrown up front by routes that need it). */
export function dbUnavailable(cause?: unknown): HttpError {
  return new HttpError(503, UNAVAILABLE_MESSAGE, undefined, { cause });
}

/**
 * The database's failures, in HTTP terms, for errorHandler({ mappers }). Lives here so the error layer never
 * imports the driver: outages -> 503, Mongoose input errors (input is validated first, so rare) -> 400.
 */
export const mapDbError: ErrorMapper = (err) => {
  if (isDbUnavailableError(err) || isMaxTimeExpired(err)) return dbUnavailable(err);
  const name = (err as { name?: unknown } | null)?.name;
  if (name === 'CastError' || name === 'ValidationError' || name === 'StrictModeError')
    return new HttpError(400, 'Invalid input', undefined, { cause: err });
  return undefined;
};
