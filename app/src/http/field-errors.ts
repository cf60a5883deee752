import type { z } from 'zod';

/** zod issues -> { field: [messages] }, the shape every 400 with `fields` uses (any feature may use it). */
export function fieldErrors(error: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? '_');
    (out[key] ??= []).push(issue.message);
  }
  return out;
}
