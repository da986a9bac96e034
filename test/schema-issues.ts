import type { z } from 'zod';

/** The issues a schema reports for a value it must refuse, as `path: message` lines. */
export function refusalIssues(schema: z.ZodType, value: unknown, what = JSON.stringify(value)): string[] {
  const r = schema.safeParse(value);
  if (r.success) throw new Error(`expected ${what} to be refused`);
  return r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}
