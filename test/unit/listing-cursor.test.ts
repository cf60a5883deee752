import { CURSOR_VERSION, CursorError, cursorCodec } from '../../app/src/listing/cursor';
import { afterFilter, LISTING_SORT, sortId, sortObject } from '../../app/src/listing/listing-sort';
import { postSchema } from '../support/posts';

const SORT = sortId(LISTING_SORT);
const position = { createdAt: Date.UTC(2024, 0, 2, 3, 4, 5, 678), id: '65a1b2c3d4e5f60718293a4b' };
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const payload = (overrides: Record<string, unknown> = {}) =>
  b64({ v: CURSOR_VERSION, s: SORT, c: position.createdAt, i: position.id, ...overrides });

describe('the listing sort spec', () => {
  it('is the single source of the index, the query sort and the cursor sort id', () => {
    const indexes = postSchema.indexes().map(([fields]) => fields);

    expect(sortObject(LISTING_SORT)).toEqual({ createdAt: -1, _id: -1 });
    expect(Object.keys(sortObject(LISTING_SORT))).toEqual(['createdAt', '_id']);
    expect(indexes).toContainEqual(sortObject(LISTING_SORT));
    expect(SORT).toBe('createdAt:-1,_id:-1');
  });

  it('builds the keyset filter "older than (c, id)" in the exact shape the offline database serves', () => {
    const c = new Date(position.createdAt);

    expect(afterFilter(LISTING_SORT, [c, position.id])).toEqual({
      $or: [{ createdAt: { $lt: c } }, { createdAt: c, _id: { $lt: position.id } }],
    });
  });

  it('uses $gt for ascending keys and wraps every operator object', () => {
    const wrapped: object[] = [];

    const filter = afterFilter(
      [
        ['a', 1],
        ['b', -1],
      ],
      [1, 2],
      (o) => {
        wrapped.push(o);
        return o;
      },
    );

    expect(filter).toEqual({ $or: [{ a: { $gt: 1 } }, { a: 1, b: { $lt: 2 } }] });
    expect(wrapped).toEqual([{ $gt: 1 }, { $lt: 2 }]);
  });

  it('refuses a value list that does not match the sort keys', () => {
    expect(() => afterFilter(LISTING_SORT, [1])).toThrow(RangeError);
  });
});

describe('cursor codec (unsigned)', () => {
  const codec = cursorCodec(SORT);

  it('round-trips a position, including a post without createdAt', () => {
    const legacy = { createdAt: null, id: position.id };

    expect(codec.decode(codec.encode(position))).toEqual(position);
    expect(codec.decode(codec.encode(legacy))).toEqual(legacy);
  });

  it('is opaque base64url of a versioned payload bound to the sort', () => {
    const cursor = codec.encode(position);

    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(JSON.parse(Buffer.from(cursor, 'base64url').toString())).toEqual({
      v: CURSOR_VERSION,
      s: SORT,
      c: position.createdAt,
      i: position.id,
    });
  });

  it('normalises an upper-case id to lower case', () => {
    expect(codec.decode(codec.encode({ ...position, id: position.id.toUpperCase() })).id).toBe(position.id);
  });

  it.each([
    ['a cursor of another version', payload({ v: 2 }), /version/],
    ['a cursor without a version', b64({ s: SORT, c: 1, i: position.id }), /version/],
    ['a cursor made for another sort', payload({ s: 'createdAt:1,_id:1' }), /another sort/],
    ['a cursor made by another sort key', payload({ s: 'title:-1,_id:-1' }), /another sort/],
    ['a cursor with a fractional time', payload({ c: 1.5 }), /position/],
    ['a cursor with a time as text', payload({ c: '2024-01-01' }), /position/],
    ['a cursor with a time outside the Date range', payload({ c: 9e15 }), /position/],
    ['a cursor with a short id', payload({ i: 'abc' }), /position/],
    ['a cursor with an operator as id', payload({ i: { $gt: '' } }), /position/],
    ['a cursor with an extra key', payload({ x: 1 }), /malformed/],
    ['a cursor that is a JSON array', b64([1, 2]), /malformed/],
    ['a cursor that is not JSON', Buffer.from('not json').toString('base64url'), /malformed/],
    ['a truncated cursor', payload().slice(0, 20), /malformed/],
    ['a cursor with characters outside base64url', 'abc+/=', /base64url/],
    ['an unexpected signature part', `${payload()}.abc`, /base64url/],
    ['an empty cursor', '', /empty/],
    ['a very long cursor', 'a'.repeat(301), /too long/],
  ])('refuses %s', (_name, cursor, message) => {
    expect(() => codec.decode(cursor)).toThrow(CursorError);
    expect(() => codec.decode(cursor)).toThrow(message);
  });

  it.each([[['a', 'b']], [{ $gt: '' }], [42], [undefined]])('refuses a non-string cursor %j', (cursor) => {
    expect(() => codec.decode(cursor)).toThrow(/single value/);
  });

  it('refuses a cursor of another sort even when made by the same code', () => {
    const other = cursorCodec('createdAt:1,_id:1');

    expect(() => codec.decode(other.encode(position))).toThrow(/another sort/);
  });
});
