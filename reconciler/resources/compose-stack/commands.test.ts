import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StalledError } from '../../errors.js';
import {
  type ComposeLayout,
  type RemoteCommand,
  commitFileCommand,
  composeRestartCommand,
  composeStopCommand,
  composeUpCommand,
  discardTempCommand,
  dockerVersionCommand,
  listContainersCommand,
  removeStackCommand,
  shellQuote,
  stackPaths,
  uploadCommand,
} from './commands.js';

const v1: ComposeLayout = { composeCommand: ['docker-compose'], stacksDir: '/var/lib/buckfleet/stacks' };
const v2: ComposeLayout = { composeCommand: ['docker', 'compose'], stacksDir: '/srv/bf/stacks', stopTimeoutSeconds: 3 };
const V1_BASE = ['docker-compose', '--ansi', 'never', '-p', 'bf-acme', '-f', '/var/lib/buckfleet/stacks/bf-acme/docker-compose.yml', '--project-directory', '/var/lib/buckfleet/stacks/bf-acme'];
const V2_BASE = ['docker', 'compose', '--ansi', 'never', '-p', 'bf-acme', '-f', '/srv/bf/stacks/bf-acme/docker-compose.yml', '--project-directory', '/srv/bf/stacks/bf-acme'];
const write = { dir: '/srv/bf/backups', name: 'bf-acme-2026.dump', tempSuffix: 'ab12' };

describe('command builders', () => {
  // The scripts are checked by running them (below and in runtime.test.ts); here, what they are given.
  const script = (c: RemoteCommand) => c.argv[2];
  const cases: [string, RemoteCommand, readonly string[]][] = [
    ['docker version', dockerVersionCommand(), ['docker', 'version', '--format', '{{.Server.Version}}']],
    ['list containers', listContainersCommand(), ['sh', '-c', script(listContainersCommand())!]],
    ['compose up (v1)', composeUpCommand(v1, 'bf-acme'), [...V1_BASE, 'up', '-d', '--remove-orphans']],
    ['compose up (v2, timeout for replaced containers)', composeUpCommand(v2, 'bf-acme'), [...V2_BASE, 'up', '-d', '--remove-orphans', '--timeout', '3']],
    ['compose restart (v1, compose default timeout)', composeRestartCommand(v1, 'bf-acme'), [...V1_BASE, 'restart']],
    ['compose restart (v2, timeout)', composeRestartCommand(v2, 'bf-acme'), [...V2_BASE, 'restart', '--timeout', '3']],
    ['compose stop (v1, compose default timeout)', composeStopCommand(v1, 'bf-acme'), [...V1_BASE, 'stop']],
    ['compose stop (v2, timeout)', composeStopCommand(v2, 'bf-acme'), [...V2_BASE, 'stop', '--timeout', '3']],
    [
      'remove keeping volumes',
      removeStackCommand(v1, 'bf-acme', { volumes: false }),
      ['sh', '-c', script(removeStackCommand(v1, 'bf-acme', { volumes: false }))!, 'sh', '/var/lib/buckfleet/stacks/bf-acme', 'bf-acme', 'keep', ...V1_BASE, 'down', '--remove-orphans'],
    ],
    [
      'remove with volumes',
      removeStackCommand(v2, 'bf-acme', { volumes: true }),
      ['sh', '-c', script(removeStackCommand(v2, 'bf-acme', { volumes: true }))!, 'sh', '/srv/bf/stacks/bf-acme', 'bf-acme', 'volumes', ...V2_BASE, 'down', '--remove-orphans', '--timeout', '3', '--volumes'],
    ],
    [
      'upload',
      uploadCommand(write),
      ['sh', '-c', script(uploadCommand(write))!, 'sh', '/srv/bf/backups', '/srv/bf/backups/.bf-acme-2026.dump.tmp-ab12', '/srv/bf/backups/.bf-acme-2026.dump.tmp-'],
    ],
    [
      'commit',
      commitFileCommand(write, { mode: '0600', bytes: 5_242_880 }),
      ['sh', '-c', script(commitFileCommand(write, { mode: '0600', bytes: 1 }))!, 'sh', '/srv/bf/backups/.bf-acme-2026.dump.tmp-ab12', '/srv/bf/backups/bf-acme-2026.dump', '0600', '5242880'],
    ],
    ['discard', discardTempCommand(write), ['rm', '-f', '--', '/srv/bf/backups/.bf-acme-2026.dump.tmp-ab12']],
  ];

  it.each(cases)('%s', (_name, command, argv) => {
    expect(command).toEqual({ argv });
  });

  it('keeps every value out of the script text: scripts are constants, values are positional', () => {
    for (const [, command] of cases) {
      if (command.argv[0] !== 'sh') continue;
      expect(script(command)).not.toMatch(/bf-acme|\/srv|\/var\/lib|ab12/);
    }
  });

  it('refuses project names compose would rewrite, or that leave the stacks directory', () => {
    for (const bad of ['Acme', 'bf acme', '../etc', 'a/b', '-p', '', 'bf.acme', 'x'.repeat(64)]) {
      expect(() => stackPaths(v1, bad), bad).toThrow(StalledError);
    }
    expect(stackPaths(v1, 'bf-a_1')).toEqual({ dir: '/var/lib/buckfleet/stacks/bf-a_1', file: '/var/lib/buckfleet/stacks/bf-a_1/docker-compose.yml' });
  });

  it('refuses file names with separators or a leading dot or dash', () => {
    for (const name of ['../x', 'a/b', '.hidden', '-rf', '', 'a b']) {
      expect(() => uploadCommand({ ...write, name }), name).toThrow(StalledError);
    }
    expect(() => uploadCommand({ ...write, tempSuffix: '../x' })).toThrow(/alphanumeric/);
  });
});

const HOSTILE = [
  '$(rm -rf /)',
  '`rm -rf /`',
  "it's",
  "'",
  "''",
  '"double" and \\"escaped\\"',
  'line one\nline two\n',
  'tab\there',
  '$HOME ${HOME} $$ $? $@ $*',
  '!bang !! !-1',
  'a;b&&c||d|e&f',
  '> out < in 2>&1',
  '*?[a-z]{x,y}~',
  '~',
  '~root',
  'X=1',
  '#comment',
  ' leading and trailing ',
  '',
  '-n',
  'ünïcödé ✓ 日本語 🚀',
  '\\',
  '\u00a0nbsp\u2028sep',
];

describe('shellQuote', () => {
  it('leaves plain words bare and quotes the rest', () => {
    expect(shellQuote(['docker', 'ps', '-aq', '--filter', 'label=x'])).toBe("docker ps -aq --filter 'label=x'");
    expect(shellQuote(['echo', "it's", ''])).toBe(`echo 'it'\\''s' ''`);
  });

  it('refuses what argv cannot carry', () => {
    expect(() => shellQuote([])).toThrow(/empty/);
    expect(() => shellQuote(['a\0b'])).toThrow(/NUL/);
  });

  // Each shell a host's login may use: the remote side runs `$SHELL -c <the quoted string>`.
  for (const shell of ['sh', 'bash', 'busybox sh']) {
    it(`round-trips hostile words through ${shell}`, async () => {
      const [bin, ...pre] = shell.split(' ');
      const line = shellQuote(['printf', '%s\\0', ...HOSTILE]);
      const r = await execa(bin!, [...pre, '-c', line], { reject: false });
      expect(r.stderr).toBe('');
      expect(r.stdout.split('\0').slice(0, -1)).toEqual(HOSTILE);
    });
  }
});

describe('file write scripts, run by a real sh', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bf-commands-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const run = (c: RemoteCommand, input?: string) => execa(c.argv[0]!, c.argv.slice(1), { reject: false, ...(input !== undefined ? { input } : {}) });
  const target = () => ({ dir: join(dir, 'new', 'sub'), name: 'docker-compose.yml', tempSuffix: 'abc' });

  it('uploads to a temp file in a new private directory, then renames it with its mode', async () => {
    const w = target();
    const content = 'x: "$(rm -rf /)"\n';
    expect((await run(uploadCommand(w), content)).exitCode).toBe(0);
    expect(await readdir(w.dir)).toEqual(['.docker-compose.yml.tmp-abc']);
    expect((await stat(w.dir)).mode & 0o777).toBe(0o700);
    expect((await run(commitFileCommand(w, { mode: '0600', bytes: Buffer.byteLength(content) }))).exitCode).toBe(0);
    expect(await readdir(w.dir)).toEqual(['docker-compose.yml']);
    expect(await readFile(join(w.dir, 'docker-compose.yml'), 'utf8')).toBe(content);
    expect((await stat(join(w.dir, 'docker-compose.yml'))).mode & 0o777).toBe(0o600);
  });

  it('does not rename a temp file that got fewer bytes than were sent, and removes it', async () => {
    const w = target();
    await run(uploadCommand(w), 'trunc');
    const r = await run(commitFileCommand(w, { mode: '0600', bytes: 10 }));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/docker-compose\.yml not written: got 5 bytes of 10/);
    expect(await readdir(w.dir)).toEqual([]);
  });

  it('sweeps temp files that earlier failed writes of the same name left behind', async () => {
    const w = target();
    await run(uploadCommand({ ...w, tempSuffix: 'old' }), 'stale');
    await run(uploadCommand(w), 'fresh');
    expect(await readdir(w.dir)).toEqual(['.docker-compose.yml.tmp-abc']);
    await run(discardTempCommand(w));
    expect(await readdir(w.dir)).toEqual([]);
  });
});

describe('container listing script, run by a real sh', () => {
  // `docker` here is a script on PATH: the race it plays (a container removed between `ps` and
  // `inspect`) cannot be timed against a real daemon. The real daemon runs it in runtime.test.ts.
  let dir: string;
  const FAKE_DOCKER = `#!/bin/sh
echo "$1" >> "$STATE/calls"
case "$1" in
  ps) [ -f "$STATE/ps-fails" ] && { echo 'Cannot connect to the Docker daemon' >&2; exit 1; }
      cat "$STATE/ids" ;;
  inspect)
      n=$(cat "$STATE/lost" 2>/dev/null || echo 0)
      if [ "$n" -gt 0 ]; then echo $((n - 1)) > "$STATE/lost"; echo "Error: No such container: c$n" >&2; exit 1; fi
      shift 3; printf '['; sep=; for id in "$@"; do printf '%s{"Id":"%s"}' "$sep" "$id"; sep=,; done; echo ']' ;;
esac
`;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bf-list-'));
    await writeFile(join(dir, 'docker'), FAKE_DOCKER, { mode: 0o755 });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const list = async (state: { ids: string; lost?: number; psFails?: boolean }) => {
    await writeFile(join(dir, 'ids'), state.ids);
    if (state.lost !== undefined) await writeFile(join(dir, 'lost'), String(state.lost));
    if (state.psFails) await writeFile(join(dir, 'ps-fails'), '');
    const c = listContainersCommand();
    const r = await execa(c.argv[0]!, c.argv.slice(1), { reject: false, env: { PATH: `${dir}:${process.env.PATH ?? ''}`, STATE: dir } });
    const calls = (await readFile(join(dir, 'calls'), 'utf8')).trim().split('\n');
    return { ...r, calls };
  };

  it('prints [] when no compose container exists, without calling inspect', async () => {
    const r = await list({ ids: '' });
    expect([r.exitCode, r.stdout, r.calls]).toEqual([0, '[]', ['ps']]);
  });

  it('inspects every listed container', async () => {
    const r = await list({ ids: 'a1\nb2\n' });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ Id: 'a1' }, { Id: 'b2' }]);
    expect(r.calls).toEqual(['ps', 'inspect']);
  });

  it('lists again when inspect loses a container that compose removed after ps', async () => {
    const r = await list({ ids: 'a1\n', lost: 2 });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ Id: 'a1' }]);
    expect(r.stderr).toBe('');
    expect(r.calls).toEqual(['ps', 'inspect', 'ps', 'inspect', 'ps', 'inspect']);
  });

  it('fails with the last error after three lost tries', async () => {
    const r = await list({ ids: 'a1\n', lost: 3 });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('Error: No such container: c1');
    expect(r.calls).toEqual(['ps', 'inspect', 'ps', 'inspect', 'ps', 'inspect']);
  });

  it('fails at once when ps fails', async () => {
    const r = await list({ ids: 'a1\n', psFails: true });
    expect([r.exitCode, r.stderr, r.calls]).toEqual([1, 'Cannot connect to the Docker daemon', ['ps']]);
  });
});
