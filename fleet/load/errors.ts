/** One problem in a fleet tree, located for a person: `FILE:LINE: FIELD: message`. */
export interface FleetIssue {
  readonly file: string;
  readonly line: number;
  /** Dotted path of the field, or `(file)` when the problem is the file as a whole. */
  readonly field: string;
  readonly message: string;
}

export const WHOLE_FILE = '(file)';

/**
 * A file lists at most this many problems, and one more line counts the rest: a hostile file
 * with ten thousand bad keys must neither flood the report nor cost quadratic time to locate.
 */
export const MAX_ISSUES_PER_FILE = 50;

export function formatIssue(i: FleetIssue): string {
  return `${i.file}:${i.line}: ${i.field}: ${i.message}`;
}

export function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return WHOLE_FILE;
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
}

/**
 * Locates the first {@link MAX_ISSUES_PER_FILE} problems of one file and sums up the rest in
 * one issue at the line of the first one left out.
 */
export function capIssues<T>(file: string, problems: readonly T[], locate: (problem: T) => FleetIssue): FleetIssue[] {
  const out = problems.slice(0, MAX_ISSUES_PER_FILE).map(locate);
  const firstLeftOut = problems[MAX_ISSUES_PER_FILE];
  if (firstLeftOut !== undefined) {
    const more = problems.length - MAX_ISSUES_PER_FILE;
    out.push({ file, line: locate(firstLeftOut).line, field: WHOLE_FILE, message: `and ${more} more problems in this file, not listed` });
  }
  return out;
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Stable order, the same on every machine (no locale): by file, then line, then field. */
export function sortIssues(issues: FleetIssue[]): FleetIssue[] {
  return issues.sort((a, b) => byCodeUnit(a.file, b.file) || a.line - b.line || byCodeUnit(a.field, b.field));
}
