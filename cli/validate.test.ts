import { rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from './main.js';
import { captureIo, tempDir, VALID_FLEET, writeTree } from './testing.js';

let dir: string;

beforeEach(async () => {
  dir = await tempDir('validate');
  await writeTree(join(dir, 'fleet'), VALID_FLEET);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('buckfleet validate', () => {
  it('prints one summary line for a valid fleet and exits 0', async () => {
    const io = captureIo(dir);
    expect(await run(['validate', 'fleet'], io)).toBe(0);
    expect(io.out()).toEqual(['fleet "acme" is valid: 3 tenants, 1 host, 2 modules']);
    expect(io.err()).toEqual([]);
  });

  it('defaults to the working directory', async () => {
    const io = captureIo(join(dir, 'fleet'));
    expect(await run(['validate'], io)).toBe(0);
    expect(io.out()).toEqual(['fleet "acme" is valid: 3 tenants, 1 host, 2 modules']);
  });

  it('lists every problem as FILE:LINE: FIELD: message, sorted, then the count, and exits 1', async () => {
    await writeTree(join(dir, 'fleet'), {
      'tenants/acme/tenant.yaml': VALID_FLEET['tenants/acme/tenant.yaml']!.replace('plan: basic', 'plan: gold'),
      'tenants/beta/tenant.yaml': VALID_FLEET['tenants/beta/tenant.yaml']!.replace('telegramUserId: 222', 'telegramUserId: 222, color: red'),
      'hosts/h-one.yaml': 'name: h-one\nregion: fra1\nsize: s-2vcpu-4gb\ncapacity: 1\n',
      'tenants/zeta/billing.yaml': 'status: active\npaidThrough: null\n',
    });
    const io = captureIo(dir);

    expect(await run(['validate', 'fleet'], io)).toBe(1);

    expect(io.out()).toEqual([
      'hosts/h-one.yaml:4: capacity: 2 tenants are placed on this host, over its capacity of 1',
      'tenants/acme/tenant.yaml:3: plan: unknown plan "gold"; fleet.yaml has basic, pro',
      'tenants/beta/tenant.yaml:2: owner.color: unknown field "color"',
      'tenants/zeta/tenant.yaml:1: (file): missing: every tenant folder has a tenant.yaml',
      'fleet is invalid: 4 problems',
    ]);
    expect(io.err()).toEqual([]);
  });

  it('reports a symlink escaping the checkout instead of following it', async () => {
    await symlink('/etc/passwd', join(dir, 'fleet/hosts/h-two.yaml'));
    const io = captureIo(dir);

    expect(await run(['validate', 'fleet'], io)).toBe(1);

    expect(io.out()).toEqual(['hosts/h-two.yaml:1: (file): refused: symbolic links are not allowed in a fleet repo', 'fleet is invalid: 1 problem']);
  });

  it('fails in one line on a directory that does not exist', async () => {
    const io = captureIo(dir);
    expect(await run(['validate', 'nope'], io)).toBe(1);
    expect(io.err()).toEqual([`buckfleet: no such directory: ${join(dir, 'nope')}`]);
    expect(io.out()).toEqual([]);
  });
});
