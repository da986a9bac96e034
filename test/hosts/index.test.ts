import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { processesWith } from './processes.js';
import { sshdConfig } from './sshd.js';
import {
  type KeyPair,
  type TestHost,
  TEST_IMAGE,
  describeWithHosts,
  docker,
  generateClientKey,
  generateHostKey,
  importImage,
  startTestHost,
  stopAllTestHosts,
} from './index.js';

it('writes an sshd config that listens on the host address only and points sessions at its dockerd', () => {
  expect(sshdConfig({ dir: '/t', address: '10.231.7.2', hostKey: '/t/hk', authorizedKeys: '/t/ak', dockerHost: 'unix:///t/docker.sock' }).split('\n')).toEqual([
    'Port 22',
    'ListenAddress 10.231.7.2',
    'HostKey /t/hk',
    'AuthorizedKeysFile /t/ak',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    'PidFile /t/sshd.pid',
    'SetEnv DOCKER_HOST=unix:///t/docker.sock SHLVL=1',
    'ClientAliveInterval 2',
    'ClientAliveCountMax 3',
    '',
  ]);
});

const ssh = (host: TestHost, client: KeyPair, knownHosts: string, command: string) =>
  execa(
    'ssh',
    [
      '-F', '/dev/null', '-i', client.privateKeyFile,
      '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null',
      '-o', 'StrictHostKeyChecking=yes', '-o', 'IdentitiesOnly=yes', '-o', 'ConnectTimeout=3',
      `root@${host.address}`, '--', command,
    ],
    { reject: false },
  );

const tcpAnswers = (address: string) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ host: address, port: 22, timeout: 1_000 });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true)).once('error', () => done(false)).once('timeout', () => done(false));
  });

describeWithHosts('test hosts', () => {
  let hosts: TestHost[];
  let client: KeyPair;
  let knownHosts: string;

  beforeAll(async () => {
    const [hostKey, clientKey] = await Promise.all([generateHostKey(), generateClientKey()]);
    client = clientKey;
    const options = { hostKeyFile: hostKey.privateKeyFile, authorizedKeys: client.publicKey };
    hosts = await Promise.all([startTestHost(options), startTestHost(options)]);
    knownHosts = `${client.privateKeyFile}.known_hosts`;
    await writeFile(knownHosts, hosts.map((h) => `${h.address} ${h.hostPublicKey}\n`).join(''));
    console.info(`test hosts started in ${hosts.map((h) => `${h.startupMs} ms`).join(', ')}`);
  });
  afterAll(() => stopAllTestHosts());

  it('gives each host its own namespace, address and dockerd', () => {
    const [a, b] = hosts;
    expect(a!.name).not.toBe(b!.name);
    expect(a!.address).not.toBe(b!.address);
    expect(a!.dockerHost).not.toBe(b!.dockerHost);
    for (const h of hosts) expect(h.address).toMatch(/^10\.231\.\d+\.2$/);
  });

  it('accepts the client key over SSH with the pinned host key, and sessions reach the host own dockerd', async () => {
    const host = hosts[0]!;
    const r = await ssh(host, client, knownHosts, 'echo "$DOCKER_HOST"; docker info --format "{{.DockerRootDir}}"');
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toEqual([host.dockerHost, `${host.dir}/docker`]);
  });

  it('imports the busybox image and runs it on the host network', async () => {
    const host = hosts[1]!;
    await importImage(host);
    const r = await docker(host, ['run', '--rm', '--network', 'host', TEST_IMAGE, 'sh', '-c', 'ls /bin/httpd && cat /proc/net/dev']);
    expect(r.exitCode).toBe(0);
    // The container sees the namespace's interfaces, not this machine's.
    expect(r.stdout).toMatch(/bftv\d+n:/);
  });

  it('goes silent when cut off and answers again when restored', async () => {
    const host = hosts[0]!;
    await host.cutOff();
    expect(await tcpAnswers(host.address)).toBe(false);
    await host.restore();
    expect(await tcpAnswers(host.address)).toBe(true);
  });

  it('stops without leaving processes, namespace, or files; twice is fine', async () => {
    const host = hosts[1]!;
    await host.stop();
    await host.stop();
    expect(processesWith(`${host.dir}/`)).toEqual([]);
    expect((await execa('ip', ['netns', 'list'])).stdout).not.toContain(host.name);
    expect(existsSync(host.dir)).toBe(false);
    // Its veth is gone too (and nothing addresses a stopped host: the route would now lead off this machine).
    expect((await execa('ip', ['-o', 'addr', 'show'])).stdout).not.toContain(` ${host.address.replace(/\.2$/, '.1')}/`);
  });
});
