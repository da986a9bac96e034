import { describe, expect, it } from 'vitest';
import { SHARED_HOST, validFleetManifests } from '../../test/fleet-fixtures.js';
import { HostManifest } from './host.js';

const host = () => {
  const h = validFleetManifests().hosts[SHARED_HOST];
  if (!h) throw new Error('fixture has no host');
  return h;
};
const issues = (value: unknown) => HostManifest.safeParse(value).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

describe('HostManifest', () => {
  it('accepts the fixture host, not cordoned by default', () => {
    expect(HostManifest.parse(host())).toEqual({ name: SHARED_HOST, region: 'fra1', size: 's-2vcpu-4gb', capacity: 20, cordoned: false });
  });

  it.each([
    ['a name with a path', { name: '../../etc' }, 'name: must be 3-32 characters of a-z, 0-9 and "-", start with a letter and not end with "-"'],
    ['a capacity of zero', { capacity: 0 }, 'capacity: Too small: expected number to be >=1'],
    ['a fractional capacity', { capacity: 2.5 }, 'capacity: Invalid input: expected int, received number'],
    ['a capacity as text', { capacity: '20' }, 'capacity: Invalid input: expected number, received string'],
    ['cordoned as text', { cordoned: 'yes' }, 'cordoned: Invalid input: expected boolean, received string'],
    ['a missing region', { region: undefined }, 'region: Invalid input: expected string, received undefined'],
  ])('refuses %s', (_, patch, message) => {
    expect(issues({ ...host(), ...patch })).toEqual([message]);
  });

  it('refuses unknown keys', () => {
    expect(HostManifest.safeParse({ ...host(), ip: '10.0.0.1' }).error?.issues).toMatchObject([{ code: 'unrecognized_keys', keys: ['ip'] }]);
  });
});
