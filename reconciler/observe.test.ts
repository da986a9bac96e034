import { describe, expect, it } from 'vitest';
import { StalledError, TransientError } from './errors.js';
import { observe, type ObserveDeps } from './observe.js';
import type { Droplet, HostRuntime, HostTarget, ObservedStack } from './ports.js';

const droplet = (id: number, host: string, ipv4: string | null): Droplet => ({
  id,
  name: `bf-${host}`,
  tags: ['buckfleet', 'buckfleet-fleet-acme', `buckfleet-host-${host}`],
  status: ipv4 === null ? 'new' : 'active',
  ipv4,
  region: 'fra1',
  size: 's-1vcpu-1gb',
});

const stack: ObservedStack = { project: 'bf-alpha', services: [] };

/** Observe deps whose hosts answer `listStacks` by address; every runtime call is recorded. */
function world(answers: Record<string, () => Promise<ObservedStack[]>>, droplets: readonly Droplet[]) {
  const calls: string[] = [];
  const unused = (name: string) => () => Promise.reject(new Error(`observe must not call ${name}`));
  const runtime: HostRuntime = {
    ready: (t: HostTarget) => (calls.push(`ready ${t.address}`), Promise.resolve(true)),
    listStacks: (t: HostTarget) => (calls.push(`listStacks ${t.address}`), answers[t.address]?.() ?? Promise.resolve([])),
    writeStack: unused('writeStack'),
    up: unused('up'),
    restart: unused('restart'),
    stop: unused('stop'),
    remove: unused('remove'),
    writeBackup: unused('writeBackup'),
  };
  const deps: ObserveDeps = {
    cloud: { listDroplets: () => Promise.resolve([...droplets]), createDroplet: unused('createDroplet'), getDroplet: unused('getDroplet'), deleteDroplet: unused('deleteDroplet') },
    runtime,
    tenantDb: {
      observe: (_fleet: string, only?: ReadonlySet<string>) => (calls.push(`databases ${only ? [...only].join(',') : '(all)'}`), Promise.resolve(new Map())),
      ensure: unused('ensure'),
      migrate: unused('migrate'),
      dump: () => {
        throw new Error('observe must not call dump');
      },
      drop: unused('drop'),
      connectionUrl: () => {
        throw new Error('observe must not call connectionUrl');
      },
    },
    hostKeys: { get: () => Promise.resolve('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBq'), put: unused('put'), remove: unused('remove') },
    sshUser: 'root',
    sshPort: 22,
    hostConcurrency: 4,
  };
  return { deps, calls };
}

describe('observe', () => {
  it('looks at each active host with one command (its stacks), none for a droplet still booting', async () => {
    const { deps, calls } = world({ '192.0.2.1': () => Promise.resolve([stack]) }, [droplet(1, 'one', '192.0.2.1'), droplet(2, 'two', null)]);
    const observed = await observe(deps, 'acme');
    expect(calls.sort()).toEqual(['databases (all)', 'listStacks 192.0.2.1']);
    expect(observed.hosts.get('host:one')).toMatchObject({ reachable: true, stacks: new Map([['bf-alpha', stack]]) });
    expect(observed.hosts.get('host:two')).toMatchObject({ reachable: false });
  });

  it('looks only at the hosts and tenant databases of a scope', async () => {
    const { deps, calls } = world({}, [droplet(1, 'one', '192.0.2.1'), droplet(2, 'two', '192.0.2.2')]);
    const observed = await observe(deps, 'acme', { hosts: new Set(['host:two']), tenants: new Set(['alpha']) });
    expect(calls.sort()).toEqual(['databases alpha', 'listStacks 192.0.2.2']);
    expect([...observed.hosts.keys()]).toEqual(['host:two']);
    expect([...observed.droplets.keys()].sort()).toEqual(['host:one', 'host:two']);
  });

  it('records a host that does not answer (or whose docker does not) as unreachable, and throws what a person must fix', async () => {
    const cutOff = () => Promise.reject(new TransientError('HostUnreachable', 'ssh: connect to host 192.0.2.1 port 22: Connection timed out'));
    const { deps } = world({ '192.0.2.1': cutOff }, [droplet(1, 'one', '192.0.2.1')]);
    expect((await observe(deps, 'acme')).hosts.get('host:one')).toMatchObject({ reachable: false, stacks: new Map() });

    const changedKey = () => Promise.reject(new StalledError('HostKeyMismatch', 'the host key of 192.0.2.1 is not the pinned one'));
    const { deps: mismatched } = world({ '192.0.2.1': changedKey }, [droplet(1, 'one', '192.0.2.1')]);
    await expect(observe(mismatched, 'acme')).rejects.toThrow('not the pinned one');
  });
});
