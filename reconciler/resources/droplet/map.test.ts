import type { Droplet as DotsDroplet } from '@digitalocean/dots/src/dots/models/index.js';
import { describe, expect, it } from 'vitest';
import type { Droplet } from '../../ports.js';
import { DigitalOceanSaidNo } from './errors.js';
import { createdDroplet, toDroplet } from './map.js';

const ctx = { op: 'get' as const, droplet: 7 };
const base: DotsDroplet = { id: 7, name: 'h', status: 'active', region: { slug: 'fra1' }, sizeSlug: 's-1vcpu-1gb', tags: ['buckfleet'] };
const want: Droplet = { id: 7, name: 'h', status: 'active', ipv4: null, region: 'fra1', size: 's-1vcpu-1gb', tags: ['buckfleet'] };

describe('toDroplet: the one narrowing of dots\' optional fields', () => {
  const cases: [string, DotsDroplet, Droplet][] = [
    ['no networks yet: no address', base, want],
    [
      'the public IPv4, not the private one listed first',
      { ...base, networks: { v4: [{ ipAddress: '198.51.100.9', type: 'private' }, { ipAddress: '192.0.2.9', type: 'public' }] } },
      { ...want, ipv4: '192.0.2.9' },
    ],
    ['only a private address: none', { ...base, networks: { v4: [{ ipAddress: '198.51.100.9', type: 'private' }] } }, want],
    ['size from size.slug when size_slug is absent', { ...base, sizeSlug: null, size: { slug: 's-2vcpu-2gb' } }, { ...want, size: 's-2vcpu-2gb' }],
    ['no tags field: no tags', { ...base, tags: null }, { ...want, tags: [] }],
    ['status new', { ...base, status: 'new' }, { ...want, status: 'new' }],
  ];
  it.each(cases)('%s', (_name, raw, expected) => {
    expect(toDroplet(raw, ctx)).toEqual(expected);
  });

  const broken: [string, DotsDroplet | undefined][] = [
    ['no droplet at all', undefined],
    ['no id', { ...base, id: null }],
    ['no name', { ...base, name: undefined }],
    ['no status', { ...base, status: null }],
    ['no region', { ...base, region: null }],
    ['no size', { ...base, sizeSlug: null, size: null }],
  ];
  it.each(broken)('reports %s as a malformed answer (retried like a 502)', (_name, raw) => {
    let caught: unknown;
    try {
      toDroplet(raw, ctx);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DigitalOceanSaidNo);
    expect(caught).toMatchObject({ status: 502, code: 'malformed_response', transient: true, context: ctx });
  });

  it('takes the droplet of a single create, and refuses an answer without one', () => {
    expect(createdDroplet({ droplet: base }, { op: 'create', droplet: 'h' })).toEqual(want);
    expect(() => createdDroplet({ droplets: [base] }, { op: 'create', droplet: 'h' })).toThrow(DigitalOceanSaidNo);
    expect(() => createdDroplet(undefined, { op: 'create', droplet: 'h' })).toThrow(/carries no droplet/);
  });
});
