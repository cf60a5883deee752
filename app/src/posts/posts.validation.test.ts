import { z } from 'zod';
import { fieldErrors } from '../http/field-errors';
import { isObjectIdString, validateCreatePost, validateUpdatePost } from './posts.validation';

const valid = { title: 'Hello', body: 'World' };

describe('validateCreatePost', () => {
  it('accepts and trims valid input, dropping unknown fields (the author is the signed-in owner)', () => {
    const result = validateCreatePost({
      title: '  Hello ',
      body: 'World',
      author: 'Someone else',
      owner: '507f1f77bcf86cd799439011',
      _id: 'x',
      createdAt: 1,
    });

    expect(result).toEqual({ ok: true, value: { title: 'Hello', body: 'World' } });
  });

  it('reports every invalid field', () => {
    const result = validateCreatePost({ title: '   ', body: 'x'.repeat(10_001) });

    expect(result).toEqual({
      ok: false,
      errors: {
        title: ['Title is required'],
        body: ['Body must be at most 10000 characters'],
      },
    });
  });

  it('refuses a NUL character in any field', () => {
    const result = validateCreatePost({ title: 'a\u0000b', body: 'Body' });

    expect(result).toEqual({ ok: false, errors: { title: ['Title must not contain NUL characters'] } });
  });

  it.each([
    ['zero-width spaces', '\u200B\u200B\u200B', 'Title is required'],
    ['a word joiner and a BOM', '\u2060\uFEFF', 'Title is required'],
    ['Hangul fillers and a braille blank', '\u3164\u115F\u2800', 'Title is required'],
    ['a lone surrogate', 'a\uD800b', 'Title must be valid Unicode text'],
    ['a right-to-left override', 'txt.\u202Eexe', 'Title must not contain bidirectional control characters'],
    ['a bidi isolate', 'a\u2067b', 'Title must not contain bidirectional control characters'],
  ])('refuses a title of %s', (_what, title, message) => {
    expect(validateCreatePost({ ...valid, title })).toEqual({ ok: false, errors: { title: [message] } });
  });

  it("counts a CRLF line break once, as the textarea's maxlength does, and stores LF", () => {
    const body = `${'x'.repeat(4999)}\r\n${'y'.repeat(5000)}`; // 10 000 in the browser, 10 001 code units sent

    const result = validateCreatePost({ ...valid, body });

    expect(result.ok && result.value.body).toBe(`${'x'.repeat(4999)}\n${'y'.repeat(5000)}`);
  });

  it('stores NFC, so a decomposed letter counts once', () => {
    const result = validateCreatePost({ ...valid, title: 'Cafe\u0301' });

    expect(result.ok && result.value.title).toBe('Caf\u00E9');
  });

  it('enforces the length limits at the boundary', () => {
    expect(validateCreatePost({ ...valid, title: 't'.repeat(200), body: 'b'.repeat(10_000) }).ok).toBe(true);
    expect(validateCreatePost({ ...valid, title: 't'.repeat(201) })).toMatchObject({
      ok: false,
      errors: { title: [expect.stringMatching(/at most 200/)] },
    });
    expect(validateCreatePost({ ...valid, body: 'b'.repeat(10_001) })).toMatchObject({
      ok: false,
      errors: { body: [expect.any(String)] },
    });
  });

  it.each([
    [{ ...valid, title: { $gt: '' } }, 'title'],
    [{ ...valid, body: ['a', 'b'] }, 'body'],
    [{ ...valid, body: 42 }, 'body'],
    [{ ...valid, title: null }, 'title'],
  ])('rejects non-string values such as operator objects: %j', (input, field) => {
    const result = validateCreatePost(input);

    expect(result.ok).toBe(false);
    expect(result.ok ? undefined : result.errors).toHaveProperty(field);
  });

  it.each([null, 'text', 42, [valid]])('rejects a body that is not an object: %j', (input) => {
    expect(validateCreatePost(input)).toMatchObject({ ok: false, errors: { _: [expect.any(String)] } });
  });
});

describe('validateUpdatePost', () => {
  it('takes either field, validated as on create', () => {
    expect(validateUpdatePost({ body: ' New ' })).toEqual({ ok: true, value: { body: 'New' } });
    expect(validateUpdatePost({ title: 't'.repeat(201) })).toMatchObject({
      ok: false,
      errors: { title: [expect.any(String)] },
    });
  });

  it('refuses a change of nothing', () => {
    expect(validateUpdatePost({ author: 'x' })).toMatchObject({
      ok: false,
      errors: { _: ['Send title, body or both'] },
    });
  });
});

describe('isObjectIdString', () => {
  it.each(['507f1f77bcf86cd799439011', '507F1F77BCF86CD799439011'])('accepts %s', (id) => {
    expect(isObjectIdString(id)).toBe(true);
  });
  it.each([
    'abc',
    '507f1f77bcf86cd79943901',
    '507f1f77bcf86cd79943901z',
    'aaaaaaaaaaaa',
    { $gt: '' },
    undefined,
  ])('rejects %j', (id) => {
    expect(isObjectIdString(id)).toBe(false);
  });
});

describe('fieldErrors', () => {
  it('groups zod issues by their first path segment, and puts top-level issues under "_"', () => {
    const schema = z.object({ a: z.string().min(2, 'too short').max(1, 'too long'), b: z.number() });
    const nested = schema.safeParse({ a: 'xyz', b: 'no' });
    const top = z.string({ error: 'not text' }).safeParse(1);

    expect(nested.success || fieldErrors(nested.error)).toEqual({ a: ['too long'], b: [expect.any(String)] });
    expect(top.success || fieldErrors(top.error)).toEqual({ _: ['not text'] });
  });
});
