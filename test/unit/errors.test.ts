import { backoffDelay, connectOptions } from '../../app/src/db/database';
import mongoose from 'mongoose';
import { dbUnavailable, isDbUnavailableError, mapDbError } from '../../app/src/db/errors';
import { classifyError, HttpError } from '../../app/src/errors/http-error';

// The driver Mongoose runs (the app has no direct dependency on it).
const { MongoNetworkError, MongoServerError } = mongoose.mongo;

const typed = (type: string, status = 400) => Object.assign(new Error(type), { type, status, expose: true });

describe('classifyError', () => {
  it.each([
    [typed('entity.parse.failed'), 400],
    [typed('entity.too.large', 413), 413],
    [typed('encoding.unsupported', 415), 415],
    [typed('charset.unsupported', 415), 415],
    [typed('request.aborted'), 400],
    [typed('parameters.too.many', 413), 413],
    [new URIError('URI malformed'), 400],
    [Object.assign(new Error('Failed to decode param'), { status: 400, expose: true }), 400],
    [new HttpError(404, 'Post not found'), 404],
    [new HttpError(503, 'Busy', undefined, { headers: { 'Retry-After': '1' } }), 503],
  ])('maps %p to %i', (err, status) => {
    expect(classifyError(err)).toMatchObject({ status, unexpected: false });
  });

  it('passes on the headers of an HttpError (e.g. Retry-After)', () => {
    const busy = new HttpError(503, 'Busy', undefined, { headers: { 'Retry-After': '1' } });

    expect(classifyError(busy)).toMatchObject({ headers: { 'Retry-After': '1' } });
  });

  it('knows nothing about the database by itself: driver errors are unexpected without a mapper', () => {
    const driverError = Object.assign(new Error('gone'), { name: 'MongoNetworkError' });

    expect(classifyError(driverError)).toMatchObject({ status: 500, unexpected: true });
    expect(classifyError(driverError, [mapDbError])).toMatchObject({ status: 503, unexpected: false });
  });

  it('asks mappers in order and uses the first answer', () => {
    const calls: string[] = [];
    const none = () => void calls.push('none');
    const teapot = () => (calls.push('teapot'), new HttpError(418, 'Teapot'));
    const never = () => (calls.push('never'), new HttpError(500, 'Never'));

    expect(classifyError(new Error('x'), [none, teapot, never])).toMatchObject({
      status: 418,
      message: 'Teapot',
    });
    expect(calls).toEqual(['none', 'teapot']);
  });

  it('hides the message of unexpected errors', () => {
    expect(classifyError(new Error('secret internals'))).toEqual({
      status: 500,
      message: 'Internal Server Error',
      unexpected: true,
    });
    expect(classifyError('a string')).toMatchObject({ status: 500 });
  });

  it('keeps field errors of HttpError', () => {
    expect(
      classifyError(new HttpError(400, 'Validation failed', { title: ['Title is required'] })),
    ).toMatchObject({
      fields: { title: ['Title is required'] },
    });
  });
});

describe('mapDbError (db/errors.ts)', () => {
  it.each([
    [Object.assign(new Error('gone'), { name: 'MongoNetworkError' }), 503],
    [Object.assign(new Error('x'), { name: 'MongooseServerSelectionError' }), 503],
    [Object.assign(new Error('x'), { name: 'MongoNotConnectedError' }), 503],
    [Object.assign(new Error('x'), { name: 'CastError' }), 400],
    [Object.assign(new Error('x'), { name: 'ValidationError' }), 400],
    [Object.assign(new Error('x'), { name: 'StrictModeError' }), 400],
  ])('maps %p to HttpError(%i)', (err, status) => {
    const mapped = mapDbError(err);

    expect(mapped).toBeInstanceOf(HttpError);
    expect(mapped).toMatchObject({ status, cause: err });
  });

  it.each([new Error('x'), new TypeError('y'), 'a string', null, undefined])('leaves %p alone', (err) => {
    expect(mapDbError(err)).toBeUndefined();
  });

  it('says the database is unavailable without leaking the driver message', () => {
    const mapped = mapDbError(
      Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:27017'), { name: 'MongoNetworkError' }),
    );

    expect(mapped?.message).toBe(dbUnavailable().message);
    expect(mapped?.message).not.toContain('10.0.0.7');
  });
});

describe('isDbUnavailableError', () => {
  it.each(['EPIPE', 'ECONNRESET'])(
    'counts a raw %s from a database socket cut mid-write as unavailable',
    (code) => {
      const err = Object.assign(new Error('This socket has been ended by the other party'), { code });

      expect(isDbUnavailableError(err)).toBe(true);
      expect(mapDbError(err)?.status).toBe(503);
    },
  );

  it('recognises the bufferCommands=false error before the first connection', () => {
    const err = Object.assign(
      new Error(
        'Cannot call `posts.find()` before initial connection is complete if `bufferCommands = false`.',
      ),
      {
        name: 'MongooseError',
      },
    );
    expect(isDbUnavailableError(err)).toBe(true);
    expect(isDbUnavailableError(new Error('other'))).toBe(false);
  });

  it('recognises a connection lost mid-stream, the pool thrown away under a waiting operation, and a busy pool', () => {
    // The driver's own classes name themselves like this (mongodb/lib/cmap/errors.js); only the name is read.
    const named = (name: string) => Object.assign(new Error('x'), { name });

    expect(isDbUnavailableError(new MongoNetworkError('connection 3 to db:27017 closed'))).toBe(true);
    expect(isDbUnavailableError(named('MongoPoolClearedError'))).toBe(true);
    expect(isDbUnavailableError(named('PoolClearedOnNetworkError'))).toBe(true);
    expect(isDbUnavailableError(named('MongoWaitQueueTimeoutError'))).toBe(true);
    expect(isDbUnavailableError(named('MongoPoolClosedError'))).toBe(false); // our own shutdown: a bug if seen
  });

  it('recognises server replies that mean "not now" (shutting down, stepping down), not other server errors', () => {
    const reply = (code: number, errmsg: string) => new MongoServerError({ ok: 0, code, errmsg });

    expect(isDbUnavailableError(reply(11600, 'interrupted at shutdown'))).toBe(true);
    expect(isDbUnavailableError(reply(91, 'The server is in quiesce mode and will shut down'))).toBe(true);
    expect(isDbUnavailableError(reply(10107, 'not primary'))).toBe(true);
    expect(isDbUnavailableError(reply(11000, 'E11000 duplicate key error'))).toBe(false);
    expect(isDbUnavailableError(reply(2, 'bad value'))).toBe(false);
  });

  it('maps them to the 503 page, and a Mongoose buffering timeout too', () => {
    const buffering = Object.assign(
      new Error('Operation `posts.insertOne()` buffering timed out after 10000ms'),
      {
        name: 'MongooseError',
      },
    );

    expect(mapDbError(buffering)?.status).toBe(503);
    expect(mapDbError(new MongoServerError({ ok: 0, code: 11602, errmsg: 'interrupted' }))?.status).toBe(503);
    expect(mapDbError(new MongoServerError({ ok: 0, code: 11000, errmsg: 'dup' }))).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  it('doubles from the initial delay and is capped', () => {
    const mid = () => 0.5; // no jitter
    expect([0, 1, 2, 3, 10, 100].map((a) => backoffDelay(a, 500, 10_000, mid))).toEqual([
      500, 1000, 2000, 4000, 10_000, 10_000,
    ]);
  });

  it('adds at most +-20 % jitter and never exceeds the cap', () => {
    expect(backoffDelay(0, 1000, 10_000, () => 0)).toBe(800);
    expect(backoffDelay(0, 1000, 10_000, () => 1)).toBe(1200);
    expect(backoffDelay(20, 1000, 10_000, () => 1)).toBe(10_000);
  });
});

describe('connectOptions', () => {
  const db = {
    uri: 'mongodb://mongo_db:27017/posts',
    authSource: 'admin',
    retryInitialMs: 500,
    retryMaxMs: 10_000,
    serverSelectionTimeoutMs: 5_000,
    heartbeatMs: 2_000,
    queryTimeoutMs: 3_000,
  };

  it('fails fast instead of buffering, and has no credentials by default', () => {
    const opts = connectOptions(db);

    expect(opts).toMatchObject({
      bufferCommands: false,
      serverSelectionTimeoutMS: 5_000,
      heartbeatFrequencyMS: 2_000,
    });
    expect(opts.auth).toBeUndefined();
    expect(opts.authSource).toBeUndefined();
  });

  it('injects DB_USER/DB_PASSWORD as credentials against authSource=admin, and DB_NAME', () => {
    expect(connectOptions({ ...db, user: 'root', password: 'pw', dbName: 'other' })).toMatchObject({
      auth: { username: 'root', password: 'pw' },
      authSource: 'admin',
      dbName: 'other',
    });
  });
});
