import type { z } from 'zod';
import { type FleetIssue, fieldPath } from './errors.js';
import type { ParsedYaml } from './yaml.js';

/** Turns zod's issues into located, plain-language fleet issues. */
export function zodIssues(file: string, parsed: ParsedYaml, error: z.ZodError): FleetIssue[] {
  const out: FleetIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        out.push({ file, line: parsed.lineOf(path), field: fieldPath(path), message: `unknown field "${key}"` });
      }
      continue;
    }
    out.push({ file, line: parsed.lineOf(issue.path), field: fieldPath(issue.path), message: plain(issue) });
  }
  return out;
}

function plain(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) return `is required (${issue.expected})`;
  return issue.message.replace(/^Invalid input: /, '');
}
