import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

/**
 * No docker engine builds images here yet, so this checks the Dockerfile's shape: the
 * properties that matter for security and size, which a careless edit would lose silently.
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

  it('starts the CLI through the bin, showing the help by default', () => {
    expect(args(runtime, 'ENTRYPOINT')).toEqual(['["node", "bin/buckfleet.js"]']);
    expect(args(runtime, 'CMD')).toEqual(['["--help"]']);
  });

  it('keeps node_modules, dist and .git out of the build context', async () => {
    const ignored = (await readFile(new URL('../.dockerignore', import.meta.url), 'utf8')).split('\n').map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git']));
  });
});
