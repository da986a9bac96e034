import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
} from '../../../test/hosts/index.js';
import type { DesiredTenant } from '../../desired.js';
import type { HostTarget, ObservedStack } from '../../ports.js';
import { renderCompose } from '../../render-compose.js';
import { HostAuthError, HostKeyMismatchError, HostUnreachableError, RemoteCommandError } from './errors.js';
import { SshHostRuntime } from './runtime.js';
import { type SshRunner, sshRunner } from './ssh.js';

/** Survives YAML, compose and docker only if no shell ever reads it. */
const HOSTILE = `a $(touch /tmp/pwned) \`id\` 'single' "double" \\ \${HOME} $$ ünï ✓\nsecond line; rm -rf /`;

const PROJECT = 'bf-lifecycle';
const tenant = (workerMode: string): DesiredTenant => ({
  slug: 'lifecycle',
  run: true,
  runReason: 'test',
  host: { key: 'host:test', tag: 'test', dropletName: 'test', region: 'test', size: 'test', image: 'test' },
  project: PROJECT,
  database: 'bf_lifecycle',
  migrations: [],
  services: [
    {
      name: 'web',
      image: TEST_IMAGE,
      command: ['sh', '-c', 'mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www'],
      env: { GREETING: { value: HOSTILE } },
      healthcheck: { test: ['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:8080/'], intervalSeconds: 1, retries: 3 },
      spec: 'web-1',
    },
    { name: 'worker', image: TEST_IMAGE, command: ['sleep', '3600'], env: { MODE: { value: workerMode } }, healthcheck: null, spec: `worker-${workerMode}` },
  ],
});
const compose = (workerMode: string) => renderCompose(tenant(workerMode), (v) => ('value' in v ? v.value : ''), { networkMode: 'host' });

/** A dump-like stream: `total` bytes in chunks, or an error after `failAfter` bytes. */
async function* chunks(total: number, size = 64 * 1024, failAfter = Infinity): AsyncIterable<Uint8Array> {
  for (let sent = 0, i = 0; sent < total; sent += size, i++) {
    await Promise.resolve(); // a real source (pg_dump's stdout) yields asynchronously
    if (sent >= failAfter) throw new Error('pg_dump died');
    yield Buffer.alloc(Math.min(size, total - sent), i % 251);
  }
}

describeWithHosts('SshHostRuntime on a real test host', () => {
  let host: TestHost;
  let client: KeyPair;
  let target: HostTarget;
  let runtime: SshHostRuntime;
  let ssh: SshRunner;

  const stack = async (): Promise<ObservedStack | undefined> => (await runtime.listStacks(target)).find((s) => s.project === PROJECT);
  const service = async (name: string) => (await stack())?.services.find((s) => s.service === name);
  const remote = async (argv: string[]) => (await ssh.run(target, { argv }, { op: 'test' })).stdout;

  beforeAll(async () => {
    const hostKey = await generateHostKey();
    client = await generateClientKey();
    host = await startTestHost({ hostKeyFile: hostKey.privateKeyFile, authorizedKeys: client.publicKey });
    await importImage(host);
    target = { address: host.address, port: host.port, user: 'root', hostKey: host.hostPublicKey };
    runtime = new SshHostRuntime({ privateKeyFile: client.privateKeyFile, stacksDir: host.stacksDir, backupsDir: host.backupsDir, stopTimeoutSeconds: 1 });
    ssh = sshRunner({ privateKeyFile: client.privateKeyFile });
    console.info(`test host ${host.name} started in ${host.startupMs} ms`);
  });
  afterAll(() => stopAllTestHosts());

  it('is ready once SSH answers with the pinned key', async () => {
    expect(await runtime.ready(target)).toBe(true);
  });

  it('refuses a host whose key is not the pinned one, every time, as a stalled error', async () => {
    const other = await generateHostKey();
    const pinnedWrong = { ...target, hostKey: other.publicKey };
    await expect(runtime.ready(pinnedWrong)).rejects.toBeInstanceOf(HostKeyMismatchError);
    await expect(runtime.listStacks(pinnedWrong)).rejects.toMatchObject({ kind: 'stalled', reason: 'host-key-mismatch' });
  });

  it('reports a key the host does not authorize', async () => {
    const stranger = await generateClientKey();
    const runtimeWithStranger = new SshHostRuntime({ privateKeyFile: stranger.privateKeyFile, stacksDir: host.stacksDir });
    await expect(runtimeWithStranger.ready(target)).rejects.toBeInstanceOf(HostAuthError);
  });

  describe('a stack through its life', () => {
    let webId: string;

    it('writes the compose file privately and brings the stack up, healthy', async () => {
      await runtime.writeStack(target, { project: PROJECT, compose: compose('one') });
      expect(statSync(`${host.stacksDir}/${PROJECT}/docker-compose.yml`).mode & 0o777).toBe(0o600);
      await runtime.up(target, PROJECT);
      for (let i = 0; i < 40 && (await service('web'))?.health !== 'healthy'; i++) await sleep(250);
      const observed = await stack();
      expect(observed?.services.map(({ container: _c, ...s }) => s)).toEqual([
        { service: 'web', image: TEST_IMAGE, state: 'running', health: 'healthy', spec: 'web-1' },
        { service: 'worker', image: TEST_IMAGE, state: 'running', health: 'none', spec: 'worker-one' },
      ]);
      webId = observed!.services[0]!.container;
      // network_mode: host puts httpd on the test host's own address.
      expect(await (await fetch(`http://${host.address}:8080/`)).text()).toBe('ok\n');
    });

    it('hands env values to the container exactly: no shell on the way', async () => {
      expect(await remote(['docker', 'exec', webId, 'sh', '-c', 'printf %s "$GREETING"'])).toBe(HOSTILE);
      expect(existsSync('/tmp/pwned')).toBe(false);
    });

    it('recreates only the service whose config changed', async () => {
      const workerBefore = (await service('worker'))!.container;
      await runtime.writeStack(target, { project: PROJECT, compose: compose('two') });
      await runtime.up(target, PROJECT);
      const [web, worker] = [await service('web'), await service('worker')];
      expect(web?.container).toBe(webId);
      expect(worker?.container).not.toBe(workerBefore);
      expect(worker).toMatchObject({ state: 'running', spec: 'worker-two' });
    });

    it('restarts every container of the stack in place: same containers, started again', async () => {
      const startedAt = async () => {
        const ids = (await stack())!.services.map((s) => s.container);
        return (await docker(host, ['inspect', '--format', '{{.Id}} {{.State.StartedAt}}', ...ids])).stdout.trim().split('\n').sort();
      };
      const before = await startedAt();
      await runtime.restart(target, PROJECT);
      const after = await startedAt();
      expect(after.map((l) => l.split(' ')[0])).toEqual(before.map((l) => l.split(' ')[0]));
      for (const [i, line] of after.entries()) expect(line).not.toBe(before[i]);
      expect((await stack())?.services.map((s) => s.state)).toEqual(['running', 'running']);
    });

    it('stops the stack and keeps its containers and volumes', async () => {
      await runtime.stop(target, PROJECT);
      expect((await stack())?.services.map((s) => s.state)).toEqual(['exited', 'exited']);
      expect((await docker(host, ['volume', 'ls', '-q'])).stdout.split('\n').sort()).toEqual([`${PROJECT}_web-data`, `${PROJECT}_worker-data`]);
    });

    it('removes the stack and its files, keeping volumes unless asked; again is fine', async () => {
      await runtime.remove(target, PROJECT, { volumes: false });
      expect(await stack()).toBeUndefined();
      expect(existsSync(`${host.stacksDir}/${PROJECT}`)).toBe(false);
      expect((await docker(host, ['volume', 'ls', '-q'])).stdout).toContain(`${PROJECT}_web-data`);
      // Files gone, volumes left: found by their project label.
      await runtime.remove(target, PROJECT, { volumes: true });
      expect((await docker(host, ['volume', 'ls', '-q'])).stdout).toBe('');
    });
  });

  it('reports a failed compose command with its exit code, project and stderr', async () => {
    const error = await runtime.up(target, 'bf-nofiles').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteCommandError);
    expect(error).toMatchObject({ exitCode: 1, at: { host: `${host.address}:22`, op: 'compose up', project: 'bf-nofiles' } });
    expect((error as RemoteCommandError).message).toMatch(/compose up of bf-nofiles on 10\.231\.\d+\.2:22 failed with exit code 1: .*docker-compose\.yml/);
  });

  it('streams a 5 MB backup into the backups directory', async () => {
    const size = 5 * 1024 * 1024;
    const hash = createHash('sha256');
    for await (const chunk of chunks(size)) hash.update(chunk);
    const path = await runtime.writeBackup(target, 'bf-acme-2026-11-24.dump', chunks(size));
    expect(path).toBe(`${host.backupsDir}/bf-acme-2026-11-24.dump`);
    expect(await remote(['sha256sum', path])).toBe(`${hash.digest('hex')}  ${path}\n`);
    expect(statSync(path)).toMatchObject({ size });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('leaves no backup under the real name when the data source fails half-way', async () => {
    const failing = runtime.writeBackup(target, 'bf-broken.dump', chunks(4 * 1024 * 1024, 64 * 1024, 2 * 1024 * 1024));
    await expect(failing).rejects.toThrow('pg_dump died');
    expect(await remote(['ls', '-A', host.backupsDir])).toBe('bf-acme-2026-11-24.dump\n');
  });

  it('runs commands over one kept connection, and over one each when told not to keep it', async () => {
    // SSH_CONNECTION names the client's port: the same port is the same TCP connection.
    const clientPort = async (runner: SshRunner) => (await runner.run(target, { argv: ['sh', '-c', 'echo "$SSH_CONNECTION"'] }, { op: 'test' })).stdout.split(' ')[1];
    const kept = await Promise.all([clientPort(ssh), clientPort(ssh)]).then(async (ports) => [...ports, await clientPort(ssh)]);
    expect(new Set(kept).size, kept.join(' ')).toBeLessThanOrEqual(2);
    expect(kept[2]).toBe(await clientPort(ssh));
    const fresh = sshRunner({ privateKeyFile: client.privateKeyFile, reuseSeconds: 0 });
    const ports = [await clientPort(fresh), await clientPort(fresh)];
    expect(ports[0]).not.toBe(ports[1]);
    expect(ports).not.toContain(kept[2]);
  });

  it('runs a command sshd refuses on the kept connection (its MaxSessions) on a connection of its own', async () => {
    const strictKey = await generateHostKey();
    const strict = await startTestHost({ hostKeyFile: strictKey.privateKeyFile, authorizedKeys: client.publicKey, maxSessions: 1 });
    const at: HostTarget = { address: strict.address, port: strict.port, user: 'root', hostKey: strict.hostPublicKey };
    const runner = sshRunner({ privateKeyFile: client.privateKeyFile });
    const clientPort = async (argv: string[]) => (await runner.run(at, { argv: ['sh', '-c', `${argv.join(' ')}; echo "$SSH_CONNECTION"`] }, { op: 'test' })).stdout.trim().split(' ')[1];
    // The kept connection is up and idle; then two at once: one session on it, one refused.
    const kept = await clientPort(['true']);
    const both = await Promise.all([clientPort(['sleep', '1']), clientPort(['sleep', '1'])]);
    expect(both).toContain(kept);
    expect(new Set(both).size).toBe(2);
  });

  it('is not ready while cut off, with commands failing as unreachable, and recovers', async () => {
    await host.cutOff();
    try {
      const began = Date.now();
      expect(await runtime.ready(target)).toBe(false);
      // The connection kept from the commands before notices the silence by its keep-alives
      // (every 5 s, two missed): well inside the ready check's own 30 s.
      expect(Date.now() - began).toBeLessThan(20_000);
      await expect(runtime.listStacks(target)).rejects.toBeInstanceOf(HostUnreachableError);
    } finally {
      await host.restore();
    }
    expect(await runtime.ready(target)).toBe(true);
  });
});
