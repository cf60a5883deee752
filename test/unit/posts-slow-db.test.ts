import { mongo } from 'mongoose';
import { mapDbError } from '../../app/src/db/errors';
import { classifyError } from '../../app/src/errors/http-error';

/**
 * Every listing read carries maxTimeMS (PostsService), so a slow database fails the query on the server with
 * MaxTimeMSExpired (code 50). That must reach the client as the 503 page, promptly, never as a 500.
 */
describe('a query past its maxTimeMS', () => {
  const expired = new mongo.MongoServerError({
    ok: 0,
    code: 50,
    codeName: 'MaxTimeMSExpired',
    errmsg: 'operation exceeded time limit',
  });

  it('is the database being unavailable: 503, not an unexpected 500', () => {
    expect(classifyError(expired, [mapDbError])).toMatchObject({
      status: 503,
      message: 'The database is not available right now',
      unexpected: false,
    });
  });

  it('is recognised by its code alone and by its name alone', () => {
    expect(mapDbError(Object.assign(new Error('x'), { code: 50 }))?.status).toBe(503);
    expect(mapDbError(Object.assign(new Error('x'), { codeName: 'MaxTimeMSExpired' }))?.status).toBe(503);
  });

  it('leaves other server errors alone (they stay 500)', () => {
    const other = new mongo.MongoServerError({ ok: 0, code: 2, codeName: 'BadValue', errmsg: 'bad' });

    expect(mapDbError(other)).toBeUndefined();
    expect(classifyError(other, [mapDbError])).toMatchObject({ status: 500, unexpected: true });
  });
});
