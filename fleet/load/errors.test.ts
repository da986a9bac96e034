import { describe, expect, it } from 'vitest';
import { capIssues, fieldPath, type FleetIssue, formatIssue, MAX_ISSUES_PER_FILE, sortIssues } from './errors.js';

const issue = (file: string, line: number, field = 'x'): FleetIssue => ({ file, line, field, message: 'm' });

describe('issues', () => {
  it('format as FILE:LINE: FIELD: message', () => {
    expect(formatIssue({ file: 'hosts/a.yaml', line: 3, field: 'capacity', message: 'too small' })).toBe('hosts/a.yaml:3: capacity: too small');
  });

  it('name fields by dotted path with [index] for list items', () => {
    expect(fieldPath([])).toBe('(file)');
    expect(fieldPath(['chats', 0, 'id'])).toBe('chats[0].id');
    expect(fieldPath([0, 'a'])).toBe('[0].a');
    expect(fieldPath(['modules', 'core', 'config', 'BOT_TOKEN'])).toBe('modules.core.config.BOT_TOKEN');
  });

  it('sort by file, then line, then field, by code unit (no locale)', () => {
    const sorted = sortIssues([issue('tenants/b/tenant.yaml', 2), issue('tenants/B/tenant.yaml', 9), issue('fleet.yaml', 10), issue('fleet.yaml', 2, 'b'), issue('fleet.yaml', 2, 'a')]);
    expect(sorted.map((i) => `${i.file}:${i.line}:${i.field}`)).toEqual([
      'fleet.yaml:2:a',
      'fleet.yaml:2:b',
      'fleet.yaml:10:x',
      'tenants/B/tenant.yaml:9:x',
      'tenants/b/tenant.yaml:2:x',
    ]);
  });

  it(`stop at ${MAX_ISSUES_PER_FILE} per file and count the rest at the first left out`, () => {
    const lines = Array.from({ length: MAX_ISSUES_PER_FILE + 7 }, (_, i) => i + 1);
    const capped = capIssues('f.yaml', lines, (line) => issue('f.yaml', line));
    expect(capped).toHaveLength(MAX_ISSUES_PER_FILE + 1);
    expect(capped.at(-1)).toEqual({ file: 'f.yaml', line: MAX_ISSUES_PER_FILE + 1, field: '(file)', message: 'and 7 more problems in this file, not listed' });
    expect(capIssues('f.yaml', [1, 2], (line) => issue('f.yaml', line))).toHaveLength(2);
  });
});
