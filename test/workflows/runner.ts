import { execa } from 'execa';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';

/**
 * Runs the `run:` steps of a GitHub Actions job here, as the runner would: in order, each
 * under the shell the workflow names (`bash --noprofile --norc -eo pipefail`, or plain
 * `bash -e` when none is named), with the job's and the step's env after their `${{ }}`
 * expressions are replaced from a context the test gives (secrets become test values), and
 * with $GITHUB_ENV / $GITHUB_OUTPUT / $GITHUB_STEP_SUMMARY files carried between steps. The
 * point is that the commands and flags the workflow runs are real, not that this is a runner:
 * only what our workflows use is understood, and anything else throws.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const Step = z.object({
  name: z.string().optional(),
  id: z.string().optional(),
  if: z.string().optional(),
  uses: z.string().optional(),
  run: z.string().optional(),
  shell: z.string().optional(),
  env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  with: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});
export type Step = z.infer<typeof Step>;

const Job = z.object({
  env: z.record(z.string(), z.string()).optional(),
  steps: z.array(Step),
});
export type Job = z.infer<typeof Job>;

export const Workflow = z.object({
  name: z.string(),
  on: z.unknown(),
  permissions: z.record(z.string(), z.string()),
  concurrency: z.object({ group: z.string(), 'cancel-in-progress': z.union([z.boolean(), z.string()]) }),
  defaults: z.object({ run: z.object({ shell: z.string() }) }).optional(),
  jobs: z.record(z.string(), Job),
});
export type Workflow = z.infer<typeof Workflow>;

export const parseWorkflow = (text: string): Workflow => Workflow.parse(parse(text));

/** Values for `${{ a.b.c }}`: dotted paths only. */
export type Context = Readonly<Record<string, string>>;

/** Replaces every `${{ path }}` in `text`; an expression that is not a known path throws. */
export function substitute(text: string, context: Context): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, expr: string) => {
    if (expr.startsWith('secrets.')) return context[expr] ?? ''; // an unset secret is empty on GitHub too
    const value = context[expr];
    if (value === undefined) throw new Error(`workflow expression \${{ ${expr} }} is not in the test's context`);
    return value;
  });
}

export interface StepResult {
  readonly step: Step;
  readonly outcome: 'success' | 'failure' | 'skipped';
  readonly exitCode: number | null;
  /** stdout and stderr, interleaved as a terminal shows them. */
  readonly output: string;
}

export interface JobRun {
  readonly results: StepResult[];
  /** What the steps appended to $GITHUB_ENV, as later steps see it. */
  readonly env: Record<string, string>;
  readonly runnerTemp: string;
}

export interface RunOptions {
  readonly workspace: string;
  /** RUNNER_TEMP, created if missing. */
  readonly runnerTemp: string;
  /** `secrets.X`, `github.repository`, … for `${{ }}`. `runner.temp` and `steps.<id>.outcome` are added. */
  readonly context: Context;
  /** The runner's own variables and PATH (with a `buckfleet` on it), plus test-only settings. */
  readonly baseEnv: Readonly<Record<string, string>>;
  /**
   * How each `if:` reads, by its exact text, from the outcomes so far: conditions are code of
   * their own, so a condition the test does not know stops the run instead of being guessed.
   */
  readonly conditions: Readonly<Record<string, (outcomes: ReadonlyMap<string, string>, failed: boolean) => boolean>>;
  /** A `uses:` step: what it does here (return its outcome), or throw if the test cannot stand in for it. */
  readonly uses: (step: Step, env: Record<string, string>) => Promise<'success' | 'failure'>;
  /** A `run:` step the test does not run here (e.g. the install from npm); return true to skip it as done. */
  readonly standIn?: (step: Step) => boolean;
}

export async function runJob(workflow: Workflow, jobName: string, opts: RunOptions): Promise<JobRun> {
  const job = workflow.jobs[jobName];
  if (job === undefined) throw new Error(`workflow ${workflow.name} has no job ${jobName}`);
  await mkdir(opts.runnerTemp, { recursive: true });
  const files = { GITHUB_ENV: join(opts.runnerTemp, '_github_env'), GITHUB_OUTPUT: join(opts.runnerTemp, '_github_output'), GITHUB_STEP_SUMMARY: join(opts.runnerTemp, '_step_summary') };
  for (const file of Object.values(files)) await writeFile(file, '');
  const outcomes = new Map<string, string>();
  const context = (): Context => ({
    ...opts.context,
    'runner.temp': opts.runnerTemp,
    ...Object.fromEntries([...outcomes].map(([id, outcome]) => [`steps.${id}.outcome`, outcome])),
  });
  const results: StepResult[] = [];
  let failed = false;
  let exported: Record<string, string> = {};
  for (const step of job.steps) {
    const condition = step.if ?? 'success()';
    const decide = condition === 'success()' ? () => true : opts.conditions[condition];
    if (decide === undefined) throw new Error(`no stand-in for the condition "${condition}" of step ${step.name ?? step.uses ?? step.run}`);
    // GitHub: a condition without a status function (success(), failure(), always(),
    // cancelled()) runs only while every step before it succeeded.
    const statusChecked = condition !== 'success()' && /\b(success|failure|always|cancelled)\(\)/.test(condition);
    if ((!statusChecked && failed) || !decide(outcomes, failed)) {
      record(step, 'skipped', null, '');
      continue;
    }
    const ctx = context();
    const env: Record<string, string> = {
      ...opts.baseEnv,
      ...files,
      RUNNER_TEMP: opts.runnerTemp,
      GITHUB_WORKSPACE: opts.workspace,
      ...mapValues(job.env ?? {}, (v) => substitute(v, ctx)),
      ...exported,
      ...mapValues(step.env ?? {}, (v) => substitute(String(v), ctx)),
    };
    if (step.uses !== undefined) {
      record(step, await opts.uses(step, env), null, '');
    } else if (step.run !== undefined) {
      if (opts.standIn?.(step) === true) {
        record(step, 'success', null, '');
        continue;
      }
      const shell = step.shell ?? workflow.defaults?.run.shell;
      const script = join(opts.runnerTemp, `_step_${results.length}.sh`);
      await writeFile(script, substitute(step.run, ctx));
      await chmod(script, 0o700);
      // GitHub: `shell: bash` is `bash --noprofile --norc -eo pipefail {0}`; no shell is `bash -e {0}`.
      const args = shell === 'bash' ? ['--noprofile', '--norc', '-eo', 'pipefail', script] : shell === undefined ? ['-e', script] : null;
      if (args === null) throw new Error(`shell ${shell} is not stood in for`);
      const r = await execa('bash', args, { cwd: opts.workspace, env, extendEnv: false, reject: false, all: true, timeout: 180_000 });
      record(step, r.exitCode === 0 ? 'success' : 'failure', r.exitCode ?? null, r.all ?? '');
      exported = { ...exported, ...parseEnvFile(await readFile(files.GITHUB_ENV, 'utf8')) };
    } else {
      throw new Error(`step ${step.name ?? '?'} has neither run nor uses`);
    }
  }
  return { results, env: exported, runnerTemp: opts.runnerTemp };

  function record(step: Step, outcome: StepResult['outcome'], exitCode: number | null, output: string) {
    results.push({ step, outcome, exitCode, output });
    if (step.id !== undefined) outcomes.set(step.id, outcome);
    if (outcome === 'failure') failed = true;
  }
}

/** `NAME=value` lines; the `NAME<<EOF` form is refused, since no workflow of ours writes it. */
function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const eq = line.indexOf('=');
    if (eq <= 0 || line.includes('<<')) throw new Error(`$GITHUB_ENV line not understood: ${line}`);
    env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

const mapValues = <T>(record: Readonly<Record<string, T>>, f: (v: T) => string): Record<string, string> =>
  Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));

/**
 * A folder with a `buckfleet` executable that runs this checkout's sources (what
 * `npm install --global buckfleet@<version>` puts on PATH on a runner), to put first on PATH.
 */
export async function buckfleetOnPath(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const tsx = import.meta.resolve('tsx');
  const bin = join(dir, 'buckfleet');
  await writeFile(bin, `#!/bin/sh\nexec "${process.execPath}" --import "${tsx}" "${join(ROOT, 'cli/entry.ts')}" "$@"\n`);
  await chmod(bin, 0o755);
  return dir;
}
