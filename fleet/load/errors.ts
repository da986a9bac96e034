/** One problem in a fleet tree, located for a person: `FILE:LINE: FIELD: message`. */
export interface FleetIssue {
  readonly file: string;
  readonly line: number;
  /** Dotted path of the field, or `(file)` when the problem is the file as a whole. */
  readonly field: string;
  readonly message: string;
}

export const WHOLE_FILE = '(file)';

export function formatIssue(i: FleetIssue): string {
  return `${i.file}:${i.line}: ${i.field}: ${i.message}`;
}

export function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return WHOLE_FILE;
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
}

/** Stable order: by file, then line, then field. */
export function sortIssues(issues: FleetIssue[]): FleetIssue[] {
  return issues.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.field.localeCompare(b.field));
}
