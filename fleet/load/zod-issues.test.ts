import { describe, expect, it } from 'vitest';
import { HostManifest, SealedSecrets, TenantManifest } from '../schema/index.js';
import { formatIssue } from './errors.js';
import { parseManifestYaml } from './yaml.js';
import { zodIssues } from './zod-issues.js';
import type { z } from 'zod';

/** Parses `text` as YAML, validates it with `schema` and returns the located issues. */
function located(schema: z.ZodType, text: string): string[] {
  const p = parseManifestYaml('f.yaml', text);
  if (!p.ok) throw new Error('YAML did not parse');
  const r = schema.safeParse(p.parsed.value);
  if (r.success) throw new Error('expected a refusal');
  return zodIssues('f.yaml', p.parsed, r.error).map(formatIssue);
}

describe('zodIssues', () => {
  it('says "is required" for a missing field, at the line of its parent', () => {
    expect(located(HostManifest, 'name: shared-1\nregion: fra1\nsize: s-1vcpu-1gb\n')).toEqual(['f.yaml:1: capacity: is required (number)']);
  });

  it('reports each unknown key at its own line', () => {
    expect(located(HostManifest, 'name: shared-1\nregion: fra1\nip: 1.2.3.4\nsize: s-1vcpu-1gb\ncapacity: 2\nzone: b\n')).toEqual([
      'f.yaml:3: ip: unknown field "ip"',
      'f.yaml:6: zone: unknown field "zone"',
    ]);
  });

  it('explains a bad record key by the key\'s own rule', () => {
    expect(located(SealedSecrets, 'values:\n  bot-token: x\n')).toEqual(['f.yaml:2: values.bot-token: invalid key: must be UPPER_SNAKE_CASE, at most 64 characters']);
  });

  it('lists what a union would have taken, not "Invalid input"', () => {
    const tenant = [
      'slug: alpha-shop',
      'owner: {telegramUserId: 1}',
      'plan: basic',
      'placement: {type: shared, host: shared-1}',
      'modules:',
      '  core:',
      '    version: 1.0.0',
      '    config:',
      '      GREETING: {en: hi}',
      '      EMPTY: null',
      'createdAt: 2026-03-15T00:00:00Z',
    ].join('\n');
    expect(located(TenantManifest, tenant)).toEqual([
      'f.yaml:9: modules.core.config.GREETING: expected string or number or boolean, received object',
      'f.yaml:10: modules.core.config.EMPTY: expected string or number or boolean, received null',
    ]);
  });
});
