import { z } from 'zod';
import { fieldErrors } from '../http/field-errors';
import { personText } from '../http/text';
import { USER_LIMITS } from './user.model';

const username = z
  .string({ error: 'Username must be text' })
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9_-]{2,31}$/, {
    error: 'Username must be 3 to 32 letters, digits, "-" or "_", starting with a letter or digit',
  });

// Never trimmed or normalised: a password is exactly what was typed. 12 characters at least (NIST allows 8;
// without a second factor we ask for more).
const password = z
  .string({ error: 'Password must be text' })
  .min(12, { error: 'Password must be at least 12 characters' })
  .max(USER_LIMITS.password, { error: `Password must be at most ${USER_LIMITS.password} characters` })
  .refine((value) => value.isWellFormed(), { error: 'Password must be valid Unicode text' });

export const registerSchema = z.object({
  username,
  displayName: personText('Display name', USER_LIMITS.displayName),
  password,
});
export type RegisterInput = z.infer<typeof registerSchema>;

/** Login checks lengths only: a name or password of the wrong shape gets the same answer as a wrong one. */
export const loginSchema = z.object({
  username: z.string().trim().toLowerCase().min(1).max(USER_LIMITS.username),
  password: z.string().min(1).max(USER_LIMITS.password),
});
export type LoginInput = z.infer<typeof loginSchema>;

export const tokenSchema = z.object({ name: personText('Token name', USER_LIMITS.tokenName) });

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: Record<string, string[]> };

export function parseWith<T>(schema: z.ZodType<T>, input: unknown): Parsed<T> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: { _: ['Request body must be an object'] } };
  }
  const parsed = schema.safeParse(input);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, errors: fieldErrors(parsed.error) };
}
