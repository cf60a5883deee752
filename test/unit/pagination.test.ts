import { cursorCodec } from '../../app/src/listing/cursor';
import { LISTING_SORT, sortId } from '../../app/src/listing/listing-sort';
import {
  LIMIT_MAX,
  pageCount,
  pageWindow,
  parseListingQuery,
  parsePagination,
} from '../../app/src/listing/pagination';

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

describe('pageCount and pageWindow', () => {
  it('counts pages, with one (empty) page for an empty collection and none extra for an exact multiple', () => {
    expect([pageCount(95, 20), pageCount(0, 20), pageCount(20, 10)]).toEqual([5, 1, 2]);
  });

  it('links the neighbours of the current page', () => {
    expect(pageWindow(3, 5)).toEqual([1, 2, 3, 4, 5]);
    expect(pageWindow(1, 1)).toEqual([1]);
  });

  it('keeps links within range for a page beyond the last', () => {
    expect(pageWindow(50, 3)).toEqual([1, 2, 3]);
  });

  it('limits the window around the current page', () => {
    expect(pageWindow(10, 100)).toEqual([8, 9, 10, 11, 12]);
  });
});
