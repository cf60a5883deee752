import { z } from 'zod';
import { fieldErrors } from '../http/field-errors';
import { personText } from '../http/text';
import { POST_LIMITS } from './post.model';

const text = personText;

/**
 * Only these fields are read; anything else in the body is dropped (zod strips unknown keys). The author is
 * not among them: it is the signed-in owner's display name.
 */
export const createPostSchema = z.object({
  title: text('Title', POST_LIMITS.title),
  body: text('Body', POST_LIMITS.body),
});

/** A change: any of the fields, at least one. */
export const updatePostSchema = createPostSchema
  .partial()
  .refine((v) => v.title !== undefined || v.body !== undefined, { error: 'Send title, body or both' });

export type CreatePostInput = z.infer<typeof createPostSchema>;
export type UpdatePostInput = z.infer<typeof updatePostSchema>;

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: Record<string, string[]> };

export function validateCreatePost(input: unknown): ValidationResult<CreatePostInput> {
  return validate(createPostSchema, input);
}

export function validateUpdatePost(input: unknown): ValidationResult<UpdatePostInput> {
  return validate(updatePostSchema, input);
}

function validate<T>(schema: z.ZodType<T>, input: unknown): ValidationResult<T> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: { _: ['Request body must be an object with title and body'] } };
  }
  const parsed = schema.safeParse(input);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, errors: fieldErrors(parsed.error) };
}

/** 24 hex characters; anything else is answered with 404 without asking the database. */
export function isObjectIdString(id: unknown): id is string {
  return typeof id === 'string' && /^[0-9a-fA-F]{24}$/.test(id);
}
