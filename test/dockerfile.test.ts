import { execa } from 'execa';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { CONFIG_VARIABLES, loadConfig } from '../app/config.js';
import { healthRoutes } from '../app/http/routes/health.js';
import { startHttpServer } from '../app/http/server.js';

/**
 * No docker engine builds images here yet, so this checks the Dockerfile's shape: the
 * properties that matter for security and size, which a careless edit would lose silently.
 * Then the self-hosting files beside it: docker-compose.yml (parsed, and `docker-compose config`
 * where installed) and .env.example.
 */

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** Instructions with continuation lines joined and comments dropped, as docker reads them. */
function parseDockerfile(text: string): Instruction[] {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return logical
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

const instructions = parseDockerfile(await readFile(new URL('../Dockerfile', import.meta.url), 'utf8'));
const stages = instructions.reduce<Instruction[][]>((acc, i) => {
  if (i.keyword === 'FROM') acc.push([]);
  acc.at(-1)?.push(i);
  return acc;
}, []);
const runtime = stages.at(-1) ?? [];
const build = stages[0] ?? [];
const args = (stage: Instruction[], keyword: string) => stage.filter((i) => i.keyword === keyword).map((i) => i.args);

describe('Dockerfile', () => {
  it('is multi-stage: a build stage, then a node:20-slim runtime', () => {
    expect(stages).toHaveLength(2);
    expect(args(build, 'FROM')).toEqual([expect.stringMatching(/^node:20\S* AS build$/i)]);
    expect(args(runtime, 'FROM')).toEqual([expect.stringMatching(/^node:20-slim\b/)]);
  });

  it('builds with the full dependencies in the build stage', () => {
    const runs = args(build, 'RUN').join('\n');
    expect(runs).toMatch(/npm ci\b/);
    expect(runs).toMatch(/npm run build\b/);
  });

  it('installs only production dependencies, without running package scripts, in the runtime', () => {
    const installs = args(runtime, 'RUN').filter((r) => r.includes('npm ci'));
    expect(installs).toHaveLength(1);
    expect(installs[0]).toContain('--omit=dev');
    expect(installs[0]).toContain('--ignore-scripts');
  });

  it('copies the build output from the build stage, never the sources', () => {
    const copies = args(runtime, 'COPY');
    for (const path of ['dist', 'bin', 'migrations', 'modules']) {
      expect(copies).toContain(`--from=build /app/${path} ./${path}`);
    }
    expect(copies.filter((c) => !c.startsWith('--from=build'))).toEqual(['package.json package-lock.json ./']);
  });

  it('runs as the non-root user buckfleet', () => {
    const users = args(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const last = users.at(-1) ?? '';
    expect(last.split(':')[0]).toBe('buckfleet');
    expect(last).not.toMatch(/^(root|0)(:|$)/);
    // Nothing after the switch runs as root again.
    const afterUser = runtime.slice(runtime.findLastIndex((i) => i.keyword === 'USER'));
    expect(afterUser.filter((i) => i.keyword === 'RUN')).toEqual([]);
  });

  it('starts the control plane through the bin by default, on port 8080', () => {
    expect(args(runtime, 'ENTRYPOINT')).toEqual(['["node", "bin/buckfleet.js"]']);
    expect(args(runtime, 'CMD')).toEqual(['["up"]']);
    expect(args(runtime, 'EXPOSE')).toEqual(['8080']);
  });

  it('has a HEALTHCHECK on /healthz with node\'s fetch (the slim image has no curl)', () => {
    const checks = args(runtime, 'HEALTHCHECK');
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatch(/^--interval=\S+ --timeout=\S+ --start-period=\S+ --retries=\d+ CMD \["node", "-e", /);
    expect(checks[0]).toContain("/healthz')");
    expect(checks[0]).not.toMatch(/curl|wget/);
  });

  it('keeps node_modules, dist and .git out of the build context', async () => {
    const ignored = (await readFile(new URL('../.dockerignore', import.meta.url), 'utf8')).split('\n').map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git']));
  });
});

/** The JSON array of a HEALTHCHECK's CMD, as docker runs it (exec form). */
function healthcheckCommand(instruction: string): string[] {
  return z.array(z.string()).parse(JSON.parse(instruction.slice(instruction.indexOf('['))));
}

describe("the Dockerfile's HEALTHCHECK command", () => {
  /** Runs the check as docker would, against a real server (or none) on `port`. */
  const check = async (port: number) => {
    const [command = '', ...rest] = healthcheckCommand(args(runtime, 'HEALTHCHECK')[0] ?? '');
    const run = await execa(command, rest, { env: { PORT: String(port) }, reject: false, timeout: 10_000 });
    return run.exitCode;
  };

  it('passes while /healthz answers 200 and fails when nothing listens', async (ctx) => {
    const server = await startHttpServer({ port: 0, host: '127.0.0.1', log: pino({ level: 'silent' }), routes: [healthRoutes({ checks: [] })] });
    ctx.onTestFinished(() => server.close());
    const port = Number(new URL(server.url).port);
    expect(await check(port)).toBe(0);
    await server.close();
    expect(await check(port)).toBe(1);
  });
});

const ROOT = new URL('../', import.meta.url);
const composeText = await readFile(new URL('docker-compose.yml', ROOT), 'utf8');
const envExample = await readFile(new URL('.env.example', ROOT), 'utf8');

/** The part of the Compose file checked here; parsing fails the test on any other shape. */
const Healthcheck = z.object({ test: z.array(z.string()), interval: z.string(), timeout: z.string(), retries: z.number(), start_period: z.string() });
const Compose = z.object({
  services: z.object({
    postgres: z.object({ image: z.string(), environment: z.record(z.string(), z.string()), volumes: z.array(z.string()), healthcheck: Healthcheck, ports: z.never().optional() }),
    'control-plane': z.object({
      build: z.string(),
      command: z.array(z.string()),
      env_file: z.string(),
      environment: z.record(z.string(), z.string()),
      depends_on: z.object({ postgres: z.object({ condition: z.string() }) }),
      volumes: z.array(z.string()),
      ports: z.array(z.string()),
      healthcheck: Healthcheck,
    }),
  }),
  volumes: z.record(z.string(), z.null()),
});
const compose = Compose.parse(parse(composeText));
const { postgres, 'control-plane': controlPlane } = compose.services;

/** Text that is a real credential in any of the formats buckfleet handles. */
const SECRET_SHAPES = [
  /\bsk_(live|test)_[A-Za-z0-9]{8,}/,
  /\brk_(live|test)_[A-Za-z0-9]{8,}/,
  /\bwhsec_[A-Za-z0-9]{8,}/,
  /\b(ghp|gho|ghs|ghu)_[A-Za-z0-9]{20,}/,
  /\bgithub_pat_[A-Za-z0-9_]{20,}/,
  /\bdop_v1_[a-f0-9]{20,}/,
  /\b\d{6,}:[A-Za-z0-9_-]{30,}/,
  /AGE-SECRET-KEY-1[0-9A-Z]{20,}/,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  // A URL with a password in it; ${...} and <placeholders> are not passwords.
  /postgres(ql)?:\/\/[^:\s]+:[^@$\s{<]+@/,
];
const SECRET_NAME = /SECRET|TOKEN|PASSWORD|KEY|DATABASE_URL/;

describe('docker-compose.yml', () => {
  it('runs PostgreSQL 15 with a healthcheck, its data on a named volume, and no published port', () => {
    expect(postgres.image).toBe('postgres:15');
    expect(postgres.healthcheck.test.join(' ')).toMatch(/pg_isready -U buckfleet -d buckfleet/);
    expect(postgres.volumes).toEqual(['postgres-data:/var/lib/postgresql/data']);
    expect(Object.keys(compose.volumes)).toContain('postgres-data');
  });

  it('builds the control plane from the Dockerfile, starts it once PostgreSQL is healthy, and checks /healthz', () => {
    expect(controlPlane.build).toBe('.');
    expect(controlPlane.command).toEqual(['up']);
    expect(controlPlane.depends_on.postgres.condition).toBe('service_healthy');
    expect(controlPlane.healthcheck.test.join(' ')).toContain("fetch('http://127.0.0.1:8080/healthz')");
    expect(controlPlane.environment.DATABASE_URL).toMatch(/^postgres:\/\/buckfleet:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/buckfleet$/);
    // BUCKFLEET_HOME (generated keys, dumps) outlives the container.
    expect(controlPlane.environment.BUCKFLEET_HOME).toBe('/var/lib/buckfleet');
    expect(controlPlane.volumes).toEqual(['buckfleet-home:/var/lib/buckfleet']);
    expect(Object.keys(compose.volumes)).toContain('buckfleet-home');
    // Published on loopback only: a TLS proxy in front serves it.
    expect(controlPlane.ports).toEqual(['127.0.0.1:8080:8080']);
  });

  it('writes no secret inline: secret-named values come from .env, nothing looks like a credential', () => {
    expect(controlPlane.env_file).toBe('.env');
    for (const service of [postgres, controlPlane]) {
      for (const [name, value] of Object.entries(service.environment)) {
        if (SECRET_NAME.test(name)) expect(value, name).toContain('${');
      }
    }
    for (const shape of SECRET_SHAPES) expect(composeText).not.toMatch(shape);
  });

  it('is valid for docker-compose (config), and refuses to start without POSTGRES_PASSWORD', async (ctx) => {
    const found = await execa('docker-compose', ['version'], { reject: false });
    if (found.exitCode !== 0) {
      if (process.env.CI === 'true') throw new Error('docker-compose is not installed (.ci/run installs it)');
      ctx.skip('docker-compose is not installed');
    }
    const dir = await mkdtemp(join(tmpdir(), 'buckfleet-compose-'));
    ctx.onTestFinished(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'docker-compose.yml'), composeText);
    await writeFile(join(dir, '.env'), envExample);
    const without = await execa('docker-compose', ['config', '-q'], { cwd: dir, reject: false });
    expect(without.exitCode).not.toBe(0);
    expect(without.stderr).toContain('set POSTGRES_PASSWORD in .env');
    await writeFile(join(dir, '.env'), envExample.replace(/^POSTGRES_PASSWORD=$/m, 'POSTGRES_PASSWORD=0123456789abcdef'));
    const valid = await execa('docker-compose', ['config'], { cwd: dir, reject: false });
    expect(valid.stderr).toBe('');
    expect(valid.exitCode).toBe(0);
    expect(valid.stdout).toContain('DATABASE_URL: postgres://buckfleet:0123456789abcdef@postgres:5432/buckfleet');
  });
});

describe('.env.example', () => {
  const entries = envExample
    .split('\n')
    .map((line, i) => ({ line, i }))
    .filter(({ line }) => line !== '' && !line.startsWith('#'));
  const values = new Map(entries.map(({ line }) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  const lines = envExample.split('\n');

  it('lists every variable of the configuration contract, and the compose file\'s own, each under a comment', () => {
    for (const { line } of entries) expect(line).toMatch(/^[A-Z][A-Z0-9_]*=/);
    for (const name of [...CONFIG_VARIABLES, 'POSTGRES_PASSWORD', 'LOG_LEVEL']) expect([...values.keys()], name).toContain(name);
    expect(entries.filter(({ i }) => lines[i - 1]?.startsWith('# ') !== true)).toEqual([]);
  });

  it('holds no secret: secret-named variables are empty, nothing looks like a credential', () => {
    for (const [name, value] of values) if (SECRET_NAME.test(name)) expect(value, name).toBe('');
    for (const shape of SECRET_SHAPES) expect(envExample).not.toMatch(shape);
  });

  it('is a valid configuration as it stands (local mode), so a copy fails only on what is filled in wrong', () => {
    expect(() => loadConfig(Object.fromEntries(values))).not.toThrow();
  });

  it('never reaches git or the image: .env is ignored by both', async () => {
    for (const file of ['.gitignore', '.dockerignore']) {
      expect((await readFile(new URL(file, ROOT), 'utf8')).split('\n').map((l) => l.trim()), file).toContain('.env');
    }
  });
});
