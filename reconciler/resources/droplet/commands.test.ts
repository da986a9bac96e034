import { describe, expect, it } from 'vitest';
import { createDroplet, deleteDroplet, type DropletRequest, getDroplet, listDroplets } from './commands.js';

const spec = {
  name: 'bf-host-a',
  region: 'fra1',
  size: 's-1vcpu-1gb',
  image: 'ubuntu-24-04-x64',
  tags: ['buckfleet', 'buckfleet-host-a'],
  userData: '#cloud-config\n{}\n',
};

describe('droplet requests as data', () => {
  const cases: [string, DropletRequest, DropletRequest][] = [
    [
      'list by tag, first page, the API maximum per page',
      listDroplets('buckfleet-host-a', 1),
      { op: 'list', method: 'GET', path: '/v2/droplets', query: { tag_name: 'buckfleet-host-a', page: 1, per_page: 200 } },
    ],
    [
      'list, a later page of a smaller size',
      listDroplets('buckfleet', 3, 20),
      { op: 'list', method: 'GET', path: '/v2/droplets', query: { tag_name: 'buckfleet', page: 3, per_page: 20 } },
    ],
    [
      'create one droplet, tagged in the same call, user data as sent',
      createDroplet(spec),
      {
        op: 'create',
        method: 'POST',
        path: '/v2/droplets',
        body: {
          name: 'bf-host-a',
          region: 'fra1',
          size: 's-1vcpu-1gb',
          image: 'ubuntu-24-04-x64',
          tags: ['buckfleet', 'buckfleet-host-a'],
          user_data: '#cloud-config\n{}\n',
        },
      },
    ],
    ['get by id', getDroplet(412345678), { op: 'get', method: 'GET', path: '/v2/droplets/412345678', id: 412345678 }],
    ['delete by id', deleteDroplet(7), { op: 'delete', method: 'DELETE', path: '/v2/droplets/7', id: 7 }],
  ];
  it.each(cases)('%s', (_name, actual, expected) => {
    expect(actual).toEqual(expected);
  });

  const refused: [string, () => unknown, RegExp][] = [
    ['an empty tag (it would list the whole account)', () => listDroplets('', 1), /empty tag/],
    ['page 0', () => listDroplets('t', 0), /page 0/],
    ['a fractional page', () => listDroplets('t', 1.5), /page 1.5/],
    ['per_page above 200', () => listDroplets('t', 1, 201), /per_page 201/],
    ['per_page 0', () => listDroplets('t', 1, 0), /per_page 0/],
    ['id NaN (would build /v2/droplets/NaN)', () => getDroplet(Number.NaN), /NaN/],
    ['id 0', () => deleteDroplet(0), /id 0/],
    ['a negative id', () => deleteDroplet(-4), /id -4/],
  ];
  it.each(refused)('refuses %s', (_name, build, message) => {
    expect(build).toThrow(message);
  });

  it('copies the tags, so a later change to the spec does not change the request', () => {
    const tags = ['a'];
    const req = createDroplet({ ...spec, tags });
    tags.push('b');
    expect(req.body.tags).toEqual(['a']);
  });
});
