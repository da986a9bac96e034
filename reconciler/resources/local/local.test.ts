import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StalledError } from '../../errors.js';
import { FLEET_TAG, fleetTag, hostTag, tenantTag } from '../../ports.js';
import { LocalCloud, parseRecord } from './cloud.js';
import { availability } from './probe.js';
import { describeDockerHost } from './runner.js';
import { containersUnder, hostStacksDir, WORKING_DIR_LABEL } from './stacks.js';

const container = (id: string, workingDir: string | null) => ({
  Id: id,
  Config: { Image: 'x', Labels: workingDir === null ? null : { 'com.docker.compose.project': `bf-${id}`, [WORKING_DIR_LABEL]: workingDir } },
  State: { Status: 'running' },
});

describe('local provider: which containers belong to a pseudo-host', () => {
  it('keeps only containers started from below the host folder, not a sibling whose name starts the same', () => {
    const data = [
      container('a', '/home/bf/local/stacks/local-1/bf-a'),
      container('b', '/home/bf/local/stacks/local-12/bf-b'),
      container('c', '/home/bf/local/stacks/local-1'),
      container('d', null),
      { Id: 'e', Config: { Image: 'x', Labels: { [WORKING_DIR_LABEL]: 7 } } },
    ];
    expect((containersUnder(data, '/home/bf/local/stacks/local-1') as { Id: string }[]).map((c) => c.Id)).toEqual(['a']);
    expect((containersUnder(data, '/home/bf/local/stacks/local-12/') as { Id: string }[]).map((c) => c.Id)).toEqual(['b']);
  });

  it('passes output that is not an array through for the stack parser to report', () => {
    expect(containersUnder({ message: 'no' }, '/x')).toEqual({ message: 'no' });
  });

  it('refuses a host name that would leave the stacks folder', () => {
    expect(hostStacksDir('/s', 'local-7')).toBe('/s/local-7');
    for (const bad of ['..', '../etc', 'a/b', '', 'Local-1', '10.0.0.1']) expect(() => hostStacksDir('/s', bad)).toThrow(StalledError);
  });
});

describe('local provider: is there a docker', () => {
  const opts = { dockerHost: null, composeCommand: ['docker-compose'] };
  const ok = { exitCode: 0, stdout: '24.0.7\n', stderr: '' };
  it('is available when the engine reports a version and compose runs', () => {
    expect(availability(ok, { exitCode: 0, stdout: 'docker-compose version 1.29.2', stderr: '' }, opts)).toEqual({ ok: true, serverVersion: '24.0.7' });
  });
  it('says which part is missing, in one sentence', () => {
    expect(availability({ exitCode: null, stdout: '', stderr: '' }, ok, opts)).toEqual({ ok: false, reason: 'docker is not installed (no `docker` on PATH)' });
    expect(
      availability({ exitCode: 1, stdout: '', stderr: 'Client: x\nCannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n' }, ok, {
        ...opts,
        dockerHost: 'unix:///var/run/docker.sock',
      }),
    ).toEqual({ ok: false, reason: 'docker at unix:///var/run/docker.sock does not answer: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' });
    expect(availability(ok, { exitCode: null, stdout: '', stderr: '' }, { ...opts, composeCommand: ['docker', 'compose'] })).toEqual({
      ok: false,
      reason: 'docker compose is not installed (not on PATH; BUCKFLEET_COMPOSE picks "docker-compose" or "docker compose")',
    });
  });
  it('never names a password of a tcp DOCKER_HOST', () => {
    expect(describeDockerHost('tcp://user:hunter2@10.0.0.5:2376')).toBe('docker at tcp://10.0.0.5:2376');
    expect(describeDockerHost(null)).toBe('local docker');
  });
});

describe('LocalCloud', () => {
  let dir: string | null = null;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('records pseudo-droplets by tag, finds them again from a new instance (a restart), and forgets deleted ones', async () => {
    dir = await mkdtemp(join(tmpdir(), 'bf-localcloud-'));
    const ids = [41, 41, 42];
    const cloud = new LocalCloud({ dir: join(dir, 'droplets'), newId: () => ids.shift() ?? 99 });
    expect(await cloud.listDroplets(fleetTag('f'))).toEqual([]);
    const spec = { region: 'fra1', size: 's-1vcpu-1gb', image: 'ubuntu', userData: 'ignored' };
    const dedicated = await cloud.createDroplet({ ...spec, name: 'bf-alpha', tags: [FLEET_TAG, fleetTag('f'), tenantTag('alpha')] });
    // The second id collides with the first record: a new one is drawn, the first is not overwritten.
    const shared = await cloud.createDroplet({ ...spec, name: 'bf-host-shared-1', tags: [FLEET_TAG, fleetTag('f'), hostTag('shared-1')] });
    expect(dedicated).toEqual({ id: 41, name: 'bf-alpha', tags: [FLEET_TAG, fleetTag('f'), tenantTag('alpha')], status: 'active', ipv4: 'local-41', region: 'fra1', size: 's-1vcpu-1gb' });
    expect(shared.id).toBe(42);

    const again = new LocalCloud({ dir: join(dir, 'droplets') });
    expect((await again.listDroplets(fleetTag('f'))).map((d) => d.id)).toEqual([41, 42]);
    expect((await again.listDroplets(hostTag('shared-1'))).map((d) => d.ipv4)).toEqual(['local-42']);
    expect(await again.listDroplets(fleetTag('other'))).toEqual([]);
    expect((await again.getDroplet(41))?.name).toBe('bf-alpha');

    await again.deleteDroplet(41);
    await again.deleteDroplet(41);
    expect(await again.getDroplet(41)).toBeNull();
    expect(await readdir(join(dir, 'droplets'))).toEqual(['42.json']);
  });

  it('skips files that are not records', async () => {
    dir = await mkdtemp(join(tmpdir(), 'bf-localcloud-'));
    await writeFile(join(dir, '5.json'), '{"id":5}');
    await writeFile(join(dir, 'notes.txt'), 'hello');
    expect(await new LocalCloud({ dir }).listDroplets(FLEET_TAG)).toEqual([]);
    expect(parseRecord('not json')).toBeNull();
  });
});
