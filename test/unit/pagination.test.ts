import { cursorCodec } from '../../app/src/posts/cursor';
import { LISTING_SORT, sortId } from '../../app/src/posts/listing-sort';
import { LIMIT_MAX, pageInfo, parseListingQuery, parsePagination } from '../../app/src/posts/pagination';

describe('parsePagination', () => {
  it.each([
    [{}, { page: 1, limit: 20 }],
    [
      { page: '3', limit: '10' },
      { page: 3, limit: 10 },
    ],
    [{ page: ' 2 ' }, { page: 2, limit: 20 }],
    [{ limit: '1000' }, { page: 1, limit: LIMIT_MAX }],
    [{ limit: '100' }, { page: 1, limit: 100 }],
    [
      { page: '2', other: 'ignored', 'page[$gt]': '' },
      { page: 2, limit: 20 },
    ],
  ])('accepts %j', (query, expected) => {
    expect(parsePagination(query)).toEqual({ ok: true, value: expected });
  });

  it.each([
    [{ page: '0' }, 'page'],
    [{ page: '-1' }, 'page'],
    [{ page: 'abc' }, 'page'],
    [{ page: '1.5' }, 'page'],
    [{ page: '1e3' }, 'page'],
    [{ page: '' }, 'page'],
    [{ page: '2000000' }, 'page'],
    [{ page: ['1', '2'] }, 'page'],
    [{ page: { $gt: '' } }, 'page'],
    [{ limit: '0' }, 'limit'],
    [{ limit: 'ten' }, 'limit'],
  ])('rejects %j with a field error', (query, field) => {
    const result = parsePagination(query);

    expect(result.ok).toBe(false);
    expect(result.ok ? undefined : result.errors).toHaveProperty(field);
  });
});

describe('parseListingQuery', () => {
  const cursors = cursorCodec(sortId(LISTING_SORT));
  const position = { createdAt: 1_700_000_000_000, id: '65a1b2c3d4e5f60718293a4b' };
  const before = cursors.encode(position);

  it('reads a page by number, as parsePagination does', () => {
    expect(parseListingQuery({ page: '2', limit: '500' }, cursors)).toEqual({
      ok: true,
      value: { page: 2, limit: LIMIT_MAX },
    });
  });

  it('decodes ?before into a position and keeps the limit', () => {
    expect(parseListingQuery({ before, limit: '5' }, cursors)).toEqual({
      ok: true,
      value: { before: position, limit: 5 },
    });
  });

  it.each([
    [{ before: 'nonsense!' }, ['before']],
    [{ before: [before, before] }, ['before']],
    [{ before: '' }, ['before']],
    [{ before, page: '2' }, ['before']],
    [{ before: 'x', limit: '0' }, ['limit', 'before']],
  ])('refuses %j with field errors', (query, fields) => {
    const result = parseListingQuery(query, cursors);

    expect(result.ok).toBe(false);
    expect(Object.keys(result.ok ? {} : result.errors).sort()).toEqual([...fields].sort());
  });

  it('refuses a cursor made for another sort with a message that says so', () => {
    const foreign = cursorCodec('createdAt:1,_id:1').encode(position);

    expect(parseListingQuery({ before: foreign }, cursors)).toEqual({
      ok: false,
      errors: { before: ['cursor was made for another sort order'] },
    });
  });
});

describe('pageInfo', () => {
  it('computes pages, skip and neighbours', () => {
    expect(pageInfo(3, 20, 95)).toEqual({
      page: 3,
      limit: 20,
      total: 95,
      pages: 5,
      skip: 40,
      hasPrev: true,
      hasNext: true,
      window: [1, 2, 3, 4, 5],
    });
  });

  it('has one (empty) page for an empty collection', () => {
    expect(pageInfo(1, 20, 0)).toMatchObject({
      pages: 1,
      skip: 0,
      hasPrev: false,
      hasNext: false,
      window: [1],
    });
  });

  it('handles an exact multiple and the last page', () => {
    expect(pageInfo(2, 10, 20)).toMatchObject({ pages: 2, hasPrev: true, hasNext: false });
  });

  it('keeps links within range for a page beyond the last', () => {
    const info = pageInfo(50, 10, 25);

    expect(info).toMatchObject({ pages: 3, skip: 490, hasNext: false, hasPrev: true });
    expect(info.window).toEqual([1, 2, 3]);
  });

  it('limits the window around the current page', () => {
    expect(pageInfo(10, 10, 1000).window).toEqual([8, 9, 10, 11, 12]);
  });
});
