import { describe, expect, it } from 'vitest';
import { parseStacks } from './observe.js';

/** A `docker inspect` entry as docker 20.10 writes it, trimmed to what matters plus some noise. */
const container = (o: { id: string; project?: string; service?: string; status?: string; health?: string; spec?: string; oneoff?: boolean; labels?: null }) => ({
  Id: o.id,
  Name: `/${o.project}_${o.service}_1`,
  Image: 'sha256:423a7ab4',
  Config: {
    Image: 'buckfleet-test/busybox:1',
    Env: ['PATH=/bin'],
    Labels:
      o.labels === null
        ? null
        : {
            ...(o.project ? { 'com.docker.compose.project': o.project } : {}),
            ...(o.service ? { 'com.docker.compose.service': o.service } : {}),
            'com.docker.compose.oneoff': o.oneoff ? 'True' : 'False',
            ...(o.spec ? { 'buckfleet.spec': o.spec } : {}),
          },
  },
  State: { Status: o.status ?? 'running', Running: true, ...(o.health ? { Health: { Status: o.health, FailingStreak: 0, Log: [] } } : {}) },
});

describe('parseStacks', () => {
  it('groups containers by compose project, sorted, with state, health and spec label', () => {
    const json = JSON.stringify([
      container({ id: 'c3', project: 'bf-zeta', service: 'core', status: 'exited' }),
      container({ id: 'c2', project: 'bf-acme', service: 'worker', spec: 's2' }),
      container({ id: 'c1', project: 'bf-acme', service: 'core', health: 'starting', spec: 's1' }),
    ]);
    expect(parseStacks(json)).toEqual([
      {
        project: 'bf-acme',
        services: [
          { service: 'core', container: 'c1', image: 'buckfleet-test/busybox:1', state: 'running', health: 'starting', spec: 's1' },
          { service: 'worker', container: 'c2', image: 'buckfleet-test/busybox:1', state: 'running', health: 'none', spec: 's2' },
        ],
      },
      { project: 'bf-zeta', services: [{ service: 'core', container: 'c3', image: 'buckfleet-test/busybox:1', state: 'exited', health: 'none', spec: null }] },
    ]);
  });

  it('reads an empty host', () => {
    expect(parseStacks('[]\n')).toEqual([]);
  });

  it('leaves out one-off `run` containers and containers without compose labels', () => {
    const json = JSON.stringify([
      container({ id: 'a', project: 'bf-acme', service: 'core', oneoff: true }),
      container({ id: 'b', project: 'bf-acme' }),
      container({ id: 'c', labels: null }),
    ]);
    expect(parseStacks(json)).toEqual([]);
  });

  it('says where the output is not what docker 20.10 writes', () => {
    expect(() => parseStacks('Error: no such')).toThrow(/not JSON/);
    expect(() => parseStacks(JSON.stringify([container({ id: 'a', project: 'p', service: 's', status: 'sleeping' })]))).toThrow(/at 0\.State\.Status/);
    expect(() => parseStacks('{}')).toThrow(/unexpected shape/);
  });
});
