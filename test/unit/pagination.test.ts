import { LIMIT_MAX, pageInfo, parsePagination } from '../../app/src/posts/pagination';

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
