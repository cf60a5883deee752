import { backoffDelay, connectOptions, isDbUnavailableError } from '../../app/src/db/database';
import { classifyError, HttpError } from '../../app/src/errors/http-error';
import { BusyError } from '../../app/src/fibonacci/fibonacci';

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
    [Object.assign(new Error('x'), { name: 'CastError' }), 400],
    [new HttpError(404, 'Post not found'), 404],
    [new BusyError(), 503],
    [Object.assign(new Error('gone'), { name: 'MongoNetworkError' }), 503],
    [Object.assign(new Error('x'), { name: 'MongooseServerSelectionError' }), 503],
  ])('maps %p to %i', (err, status) => {
    expect(classifyError(err)).toMatchObject({ status, unexpected: false });
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

describe('isDbUnavailableError', () => {
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
