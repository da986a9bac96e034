import { describe, expect, it } from 'vitest';
import { SHARED_HOST, SHARED_TENANT, snapshot, validFleetFiles } from '../../test/fleet-fixtures.js';
import { hostFile, tenantFile } from '../paths.js';
import { formatIssue, loadFleet } from './index.js';
import { MAX_ISSUES_PER_FILE } from './errors.js';
import { MAX_MANIFEST_BYTES } from './yaml.js';

/**
 * The hostile corpus: each case replaces one manifest of the valid fixture and expects the
 * complete report to be exactly the refusal of that file, with nothing else around it.
 */
const HOST = hostFile(SHARED_HOST);
const TENANT = tenantFile(SHARED_TENANT);
const VALID_HOST = 'name: shared-1\nregion: fra1\nsize: s-2vcpu-4gb\ncapacity: 20\n';

function reportWith(path: string, text: string): string[] {
  const files = validFleetFiles();
  files.set(path, text);
  const result = loadFleet(snapshot(files));
  if (result.ok) throw new Error(`expected ${path} to be refused`);
  return result.issues.map(formatIssue);
}

function timed<T>(fn: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = fn();
  return { value, ms: performance.now() - start };
}

describe('hostile YAML', () => {
  it('refuses a billion-laughs alias bomb quickly, at every alias line', () => {
    const bomb = [
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i] ?? ''}`).join(',')}]`),
    ].join('\n');
    const { value, ms } = timed(() => reportWith(HOST, `${bomb}\n`));
    expect(value).toEqual([2, 3, 4, 5, 6, 7, 8, 9].map((line) => `${HOST}:${line}: (file): aliases (*name) are not allowed in manifests`));
    expect(ms).toBeLessThan(2_000);
  });

  it('refuses a single alias', () => {
    expect(reportWith(HOST, 'name: &n shared-1\nregion: fra1\nsize: s-2vcpu-4gb\ncapacity: 20\ncordoned: *n\n')).toEqual([
      `${HOST}:5: (file): aliases (*name) are not allowed in manifests`,
    ]);
  });

  it('refuses a YAML 1.1 merge key as an unknown field', () => {
    expect(reportWith(HOST, `${VALID_HOST}<<: {cordoned: true}\n`)).toEqual([`${HOST}:5: <<: unknown field "<<"`]);
  });

  it('refuses duplicate keys, naming the key and the second occurrence', () => {
    expect(reportWith(HOST, `${VALID_HOST}capacity: 500\n`)).toEqual([`${HOST}:5: capacity: duplicate key "capacity": a key may appear only once`]);
    expect(reportWith(HOST, `${VALID_HOST}"name": other\n`)).toEqual([`${HOST}:5: name: duplicate key "name": a key may appear only once`]);
  });

  it('refuses duplicate keys deeper down, with their field path', () => {
    const tenant = validFleetFiles().get(TENANT) ?? '';
    const text = tenant.replace('    channel: auto\n', '    channel: auto\n    channel: notify\n');
    const line = text.split('\n').indexOf('    channel: notify') + 1;
    expect(reportWith(TENANT, text)).toEqual([`${TENANT}:${line}: modules.core.channel: duplicate key "channel": a key may appear only once`]);
  });

  it('refuses a 10 MB file by its size alone, quickly', () => {
    const huge = `${VALID_HOST}# ${'x'.repeat(10 * 1024 * 1024)}\n`;
    const { value, ms } = timed(() => reportWith(HOST, huge));
    expect(value).toEqual([`${HOST}:1: (file): file is ${Buffer.byteLength(huge)} bytes; a manifest may be at most ${MAX_MANIFEST_BYTES}`]);
    expect(ms).toBeLessThan(1_000);
  });

  it('takes a file of exactly 256 KiB and refuses one byte more', () => {
    const pad = (bytes: number) => `${VALID_HOST}# ${'x'.repeat(bytes - Buffer.byteLength(VALID_HOST) - 3)}\n`;
    const atCap = pad(MAX_MANIFEST_BYTES);
    expect(Buffer.byteLength(atCap)).toBe(MAX_MANIFEST_BYTES);
    const files = validFleetFiles();
    files.set(HOST, atCap);
    expect(loadFleet(snapshot(files)).ok).toBe(true);
    expect(reportWith(HOST, pad(MAX_MANIFEST_BYTES + 1))).toEqual([`${HOST}:1: (file): file is 262145 bytes; a manifest may be at most 262144`]);
  });

  it('counts the cap in UTF-8 bytes, not characters', () => {
    const text = `${VALID_HOST}# ${'я'.repeat(MAX_MANIFEST_BYTES / 2)}\n`;
    expect(text.length).toBeLessThan(MAX_MANIFEST_BYTES);
    expect(reportWith(HOST, text)).toEqual([`${HOST}:1: (file): file is ${Buffer.byteLength(text)} bytes; a manifest may be at most ${MAX_MANIFEST_BYTES}`]);
  });

  it('refuses several documents', () => {
    expect(reportWith(HOST, `${VALID_HOST}---\nname: shared-2\n`)).toEqual([`${HOST}:5: (file): a manifest holds exactly one YAML document`]);
  });

  it.each([
    ['!!js/function', 'cordoned: !!js/function "function () { return true }"', 'tag:yaml.org,2002:js/function'],
    ['a local tag', 'cordoned: !foo true', '!foo'],
    ['!!binary', 'cordoned: !!binary aGVsbG8=', 'tag:yaml.org,2002:binary'],
    ['!!timestamp', 'cordoned: !!timestamp 2026-03-15', 'tag:yaml.org,2002:timestamp'],
    ['!!set', 'cordoned: !!set {a, b}', 'tag:yaml.org,2002:set'],
    ['!!omap', 'cordoned: !!omap [a: 1]', 'tag:yaml.org,2002:omap'],
  ])('refuses %s', (_, line, tag) => {
    expect(reportWith(HOST, `${VALID_HOST}${line}\n`)).toEqual([`${HOST}:5: (file): custom YAML tags are not allowed (Unresolved tag: ${tag})`]);
  });

  it('refuses keys that are not scalars', () => {
    expect(reportWith(HOST, `${VALID_HOST}? [a, b]\n: 1\n`)).toEqual([`${HOST}:5: (file): map keys must be plain strings`]);
    expect(reportWith(HOST, `${VALID_HOST}{a: 1}: 2\n`)).toEqual([`${HOST}:5: (file): map keys must be plain strings`]);
  });

  it('refuses unknown keys at several depths, each at its own line', () => {
    const text = [
      'slug: alpha-shop',
      'owner:',
      '  telegramUserId: 200001',
      '  isAdmin: true',
      'plan: basic',
      'placement:',
      '  type: shared',
      '  host: shared-1',
      '  region: fra1',
      'modules:',
      '  core:',
      '    version: 1.1.0',
      '    autoUpdate: true',
      'chats:',
      '  - id: -100123',
      '    type: group',
      '    invite: https://t.me/+abc',
      'createdAt: 2026-03-05T00:00:00Z',
      'status: active',
    ].join('\n');
    expect(reportWith(TENANT, `${text}\n`)).toEqual([
      `${TENANT}:4: owner.isAdmin: unknown field "isAdmin"`,
      `${TENANT}:9: placement.region: unknown field "region"`,
      `${TENANT}:13: modules.core.autoUpdate: unknown field "autoUpdate"`,
      `${TENANT}:17: chats[0].invite: unknown field "invite"`,
      `${TENANT}:19: status: unknown field "status"`,
    ]);
  });

  it('refuses wrong types, including YAML 1.1 habits that YAML 1.2 reads as text', () => {
    expect(reportWith(HOST, 'name: shared-1\nregion: fra1\nsize: s-2vcpu-4gb\ncapacity: "20"\ncordoned: yes\n')).toEqual([
      `${HOST}:4: capacity: expected number, received string`,
      `${HOST}:5: cordoned: expected boolean, received string`,
    ]);
    expect(reportWith(HOST, '- name: shared-1\n')).toEqual([`${HOST}:1: (file): expected object, received array`]);
    expect(reportWith(HOST, 'shared-1\n')).toEqual([`${HOST}:1: (file): expected object, received string`]);
  });

  it('says which field is missing', () => {
    expect(reportWith(HOST, 'name: shared-1\nregion: fra1\nsize: s-2vcpu-4gb\n')).toEqual([`${HOST}:1: capacity: is required (number)`]);
  });

  it('refuses an empty file, a file of comments and a null document', () => {
    expect(reportWith(HOST, '')).toEqual([`${HOST}:1: (file): file is empty`]);
    expect(reportWith(HOST, '# nothing here\n')).toEqual([`${HOST}:1: (file): file is empty`]);
    expect(reportWith(HOST, '~\n')).toEqual([`${HOST}:1: (file): expected object, received null`]);
  });

  it('refuses invalid UTF-8 and binary junk, at the line where it starts', () => {
    const invalidUtf8 = Buffer.concat([Buffer.from(`${VALID_HOST}cordoned: `), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('\n')]).toString('utf8');
    const message = 'not UTF-8 text: invalid UTF-8 or a control character (a binary file?)';
    expect(reportWith(HOST, invalidUtf8)).toEqual([`${HOST}:5: (file): ${message}`]);
    const junk = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x0a, 0x00]).toString('utf8');
    expect(reportWith(HOST, junk)).toEqual([`${HOST}:1: (file): ${message}`]);
    expect(reportWith(HOST, `${VALID_HOST}cordoned: "a\u0000b"\n`)).toEqual([`${HOST}:5: (file): ${message}`]);
  });

  it('takes a byte-order mark, CRLF line ends and non-ASCII text', () => {
    const files = validFleetFiles();
    files.set(HOST, `\uFEFF${VALID_HOST.replace(/\n/g, '\r\n')}`);
    files.set(TENANT, (files.get(TENANT) ?? '').replace('displayName: Alpha Shop', 'displayName: Альфа 🛒'));
    expect(loadFleet(snapshot(files)).ok).toBe(true);
  });

  it('refuses tabs as indentation', () => {
    expect(reportWith(HOST, 'name: shared-1\nregion: fra1\nsize: s-2vcpu-4gb\ncapacity:\n\t20\n')).toEqual([
      `${HOST}:5: (file): Tabs are not allowed as indentation`,
      `${HOST}:5: (file): Implicit map keys need to be followed by map values`,
    ]);
  });

  it('refuses nesting deep enough to exhaust the stack, without throwing', () => {
    const deep = `cordoned: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`;
    expect(reportWith(HOST, deep)).toEqual([`${HOST}:1: (file): nested too deeply to be a manifest`]);
  });

  it(`lists at most ${MAX_ISSUES_PER_FILE} problems of a file, quickly`, () => {
    let text = VALID_HOST;
    for (let i = 0; text.length < MAX_MANIFEST_BYTES - 20; i++) text += `k${i}: 1\n`; // ASCII: length is bytes
    const keys = text.split('\n').length - 5;
    const { value, ms } = timed(() => reportWith(HOST, text));
    expect(value).toHaveLength(MAX_ISSUES_PER_FILE + 1);
    expect(value[0]).toBe(`${HOST}:5: k0: unknown field "k0"`);
    expect(value.at(-1)).toBe(`${HOST}:${5 + MAX_ISSUES_PER_FILE}: (file): and ${keys - MAX_ISSUES_PER_FILE} more problems in this file, not listed`);
    expect(ms).toBeLessThan(5_000);
  });

  it('scans a 250 KB value for secrets in linear time', () => {
    for (const filler of ['a', '1', 'a://', '-1']) {
      const value = filler.repeat(Math.floor(250_000 / filler.length));
      const { value: report, ms } = timed(() => reportWith(HOST, `${VALID_HOST}cordoned: "${value}"\n`));
      expect(report).toEqual([`${HOST}:5: cordoned: expected boolean, received string`]);
      expect(ms).toBeLessThan(2_000);
    }
  });
});

describe('hostile paths', () => {
  function reportPaths(paths: string[]): string[] {
    const files = validFleetFiles();
    for (const p of paths) files.set(p, VALID_HOST);
    const result = loadFleet(snapshot(files));
    if (result.ok) throw new Error('expected the paths to be refused');
    return result.issues.map(formatIssue);
  }

  it('refuses traversal, bad names and nesting in managed folders, before reading the files', () => {
    expect(
      reportPaths([
        'tenants/../x/tenant.yaml',
        'tenants/Bad/tenant.yaml',
        'hosts/../../etc.yaml',
        'tenants/alpha-shop/../../fleet.yaml',
        'tenants//tenant.yaml',
        'tenants/alpha-shop/sub/tenant.yaml',
        'tenants/alpha-shop/notes.txt',
        'hosts/eu/shared-2.yaml',
        'hosts/a b.yaml',
        'hosts/Shared.yaml',
        'catalog/core.yml',
        'catalog/./core.yaml',
        'tenants/tenant.yaml',
      ]),
    ).toEqual([
      'catalog/./core.yaml:1: (file): unexpected file: path has an empty, "." or ".." segment',
      'catalog/core.yml:1: (file): unexpected file: expected catalog/<name>.yaml',
      'hosts/../../etc.yaml:1: (file): unexpected file: path has an empty, "." or ".." segment',
      'hosts/Shared.yaml:1: (file): unexpected file: "Shared" is not a valid host name',
      'hosts/a b.yaml:1: (file): unexpected file: "a b" is not a valid host name',
      'hosts/eu/shared-2.yaml:1: (file): unexpected file: expected hosts/<name>.yaml',
      'tenants/../x/tenant.yaml:1: (file): unexpected file: path has an empty, "." or ".." segment',
      'tenants//tenant.yaml:1: (file): unexpected file: path has an empty, "." or ".." segment',
      'tenants/Bad/tenant.yaml:1: (file): unexpected file: tenant folder "Bad" is not a valid slug',
      'tenants/alpha-shop/../../fleet.yaml:1: (file): unexpected file: path has an empty, "." or ".." segment',
      'tenants/alpha-shop/notes.txt:1: (file): unexpected file: a tenant folder holds only tenant.yaml, billing.yaml and secrets.age',
      'tenants/alpha-shop/sub/tenant.yaml:1: (file): unexpected file: expected tenants/<slug>/<file>',
      'tenants/tenant.yaml:1: (file): unexpected file: expected tenants/<slug>/<file>',
    ]);
  });

  it('refuses a symlink (refused by the reader) on a managed path, and ignores one elsewhere', () => {
    const files = validFleetFiles();
    const result = loadFleet(
      snapshot(files, [
        ['hosts/shared-2.yaml', 'symbolic links are not allowed in a fleet repo'],
        ['tenants/../etc/tenant.yaml', 'symbolic links are not allowed in a fleet repo'],
        ['README.md', 'symbolic links are not allowed in a fleet repo'],
        ['.github/workflows/validate.yml', 'symbolic links are not allowed in a fleet repo'],
        ['docs/secrets', 'a tree is not allowed in a fleet repo'],
      ]),
    );
    expect(result.ok ? [] : result.issues.map(formatIssue)).toEqual([
      'hosts/shared-2.yaml:1: (file): refused: symbolic links are not allowed in a fleet repo',
      'tenants/../etc/tenant.yaml:1: (file): refused: symbolic links are not allowed in a fleet repo',
    ]);
  });
});
