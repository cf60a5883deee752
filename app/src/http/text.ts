import { z } from 'zod';

// Characters that draw nothing: white space, format characters (zero-width space and joiners, word joiner,
// BOM, soft hyphen…) and the letters that render blank (Hangul fillers, braille blank).
const INVISIBLE = /[\p{White_Space}\p{Cf}\u115F\u1160\u3164\uFFA0\u2800]/gu;
// Bidirectional embeddings, overrides and isolates: they reorder what follows them ("Trojan Source").
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/;

/**
 * Text a person typed, for one field: well-formed Unicode (no lone surrogate), line breaks as LF and NFC
 * before it is counted (a browser's maxlength counts CRLF once and composed letters once, as this does),
 * trimmed, and refused when nothing visible is left, or when it holds a NUL or a bidi control.
 */
export function personText(name: string, max: number) {
  // What the API description (OpenAPI) says of the field: the checks below are code, not JSON Schema.
  const described = {
    minLength: 1,
    maxLength: max,
    pattern: '\\S',
    description: `${name}: visible text, trimmed`,
  };
  return z
    .string({ error: `${name} must be text` })
    .refine((value) => value.isWellFormed(), { error: `${name} must be valid Unicode text` })
    .transform((value) => value.replace(/\r\n?/g, '\n').normalize('NFC').trim())
    .pipe(
      z
        .string()
        .refine((value) => value.replace(INVISIBLE, '').length > 0, { error: `${name} is required` })
        .refine((value) => value.length <= max, { error: `${name} must be at most ${max} characters` })
        // A NUL is never text a person meant.
        .refine((value) => !value.includes('\u0000'), { error: `${name} must not contain NUL characters` })
        .refine((value) => !BIDI_CONTROLS.test(value), {
          error: `${name} must not contain bidirectional control characters`,
        }),
    )
    .meta(described);
}
