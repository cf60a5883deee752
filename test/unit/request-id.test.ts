import { sanitizeRequestId } from '../../app/src/http/request-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('sanitizeRequestId', () => {
  it.each(['0123456789abcdef0123456789abcdef', 'req-1', 'a.b_c:d-e'])('keeps a safe id: %s', (id) => {
    expect(sanitizeRequestId(id)).toBe(id);
  });

  it('takes the first of repeated headers', () => {
    expect(sanitizeRequestId(['abc', 'def'])).toBe('abc');
  });

  it.each([undefined, '', 'a'.repeat(65), 'has space', 'line\nbreak', '<script>', '{"$gt":1}', 'ünïcode'])(
    'replaces %j with a UUID',
    (id) => {
      expect(sanitizeRequestId(id)).toMatch(UUID);
    },
  );
});
