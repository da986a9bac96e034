import type { Command } from 'commander';
import { loadConfig } from '../../app/config.js';
import { processLog } from '../../app/log.js';
import { openReconciler, ReconcilerConfigError, reconcilerUnavailable, startReconcilerRole } from '../../app/reconciler.js';
import { resolve } from 'node:path';
import { simpleGit } from 'simple-git';
import { readFleetDir } from '../../fleet/fs-read.js';
import { type PassReport, reconcilePass, type ReconcilerDeps } from '../../reconciler/reconcile.js';
import { planJson, planMarkdown, planText } from '../../reconciler/render-plan.js';
import type { Action } from '../../reconciler/actions.js';
import { type CommandContext, println } from '../io.js';
import { progressList } from '../progress.js';

/** `buckfleet plan` and `buckfleet reconcile`: the reconciler from the command line. */
export function registerReconcile(program: Command, ctx: CommandContext): void {
  program
    .command('plan')
    .summary('show what a reconcile would do')
    .description(
      'Observe the world (droplets, databases, stacks) and print what reconciling main would change, without changing anything. ' +
        'The same plan renders the PR comment (--markdown); with --dir it plans a checkout instead of main, as the fleet repo\'s pull-request workflow does.',
    )
    .option('--json', 'print the actions as JSON')
    .option('--markdown', 'print the plan as a PR comment')
    .option('--dir <dir>', 'plan this checkout of the fleet repo (a pull request) instead of main of FLEET_REPO')
    .action(async (options: { json?: boolean; markdown?: boolean; dir?: string }) => {
      const handle = await openReconciler(loadConfig(ctx.io.env), ctx.io.cwd, { log: processLog() });
      try {
        const deps = options.dir === undefined ? handle.deps : { ...handle.deps, fleet: await checkoutSource(resolve(ctx.io.cwd, options.dir)) };
        const report = await reconcilePass(deps, { dryRun: true });
        const text = options.json ? planJson(report.plan) : options.markdown ? planMarkdown(report.plan, report.revision) : planText(report.plan);
        ctx.io.stdout.write(text);
      } finally {
        await handle.close();
      }
    });

  program
    .command('reconcile')
    .summary('make the world match main')
    .description(
      'Apply main of the fleet repo to the world: droplets, tenant databases, compose stacks. Runs as a service ' +
        '(an interval for drift repair, at once when main moves) until SIGTERM, or one pass with --once. ' +
        'Several processes may run at once: they share the work through the control database.',
    )
    .option('--once', 'one pass, then exit (1 when a tenant failed or is stalled)')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--tenant <slug>', 'only this tenant (and its shared host)')
    .action(async (options: { once?: boolean; dryRun?: boolean; tenant?: string }) => {
      const log = processLog();
      // Made first: the reconciler's waits (a host booting, a stack's health gate) end when it aborts.
      const stop = new AbortController();
      const handle = await openReconciler(loadConfig(ctx.io.env), ctx.io.cwd, { log, stopping: stop.signal });
      const hooks = handle.failpoint ? { failpoint: handle.failpoint } : {};
      const only = options.tenant !== undefined ? { only: options.tenant } : {};
      try {
        if (options.dryRun) {
          ctx.io.stdout.write(planText((await reconcilePass(handle.deps, { ...only, dryRun: true })).plan));
          return;
        }
        const unavailable = reconcilerUnavailable(handle);
        if (unavailable !== null) throw new ReconcilerConfigError(`cannot reconcile: ${unavailable}`);
        if (options.once) {
          let report: PassReport | undefined;
          // Each step as it is done, per owner (tenant or host), then the summary lines.
          await progressList(ctx.io, [
            {
              title: 'reconcile main',
              task: async (_, task) => {
                const progress = (action: Action, index: number, total: number) => {
                  task.output = `${action.owner}: step ${index}/${total} done: ${action.id}`;
                  return Promise.resolve();
                };
                report = await reconcilePass(handle.deps, { ...only, hooks: { ...hooks, progress } });
                task.title = `reconciled main ${report.revision.slice(0, 12)}: ${report.owners.length} owners`;
              },
            },
          ]).run();
          if (report === undefined) return;
          printReport(ctx, report);
          // Work still in progress (a host booting, an owner another process holds) is no failure.
          if (report.owners.some((o) => o.status === 'failed' || o.status === 'stalled')) ctx.exitCode = 1;
          return;
        }
        const onSignal = () => stop.abort();
        process.once('SIGTERM', onSignal);
        process.once('SIGINT', onSignal);
        try {
          await startReconcilerRole(handle, { signal: stop.signal, log, ...only }).done;
        } finally {
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
        }
      } finally {
        await handle.close();
      }
    });
}

/**
 * A checkout as the fleet source of a dry run: its files as they are on disk (a pull request's
 * merge commit in CI, so the plan shows what main would become), named by its HEAD commit. The
 * files are read once, so the tree the plan names is the tree it planned.
 */
async function checkoutSource(dir: string): Promise<ReconcilerDeps['fleet']> {
  const snapshot = await readFleetDir(dir);
  const head = await simpleGit({ baseDir: dir })
    .revparse(['--verify', '-q', 'HEAD'])
    .then((sha) => sha.trim())
    .catch(() => '');
  // Not a repository, or one with no commit yet: the header says so instead of a sha.
  const revision = /^[0-9a-f]{40,64}$/.test(head) ? head : 'working-tree';
  return { head: () => Promise.resolve(revision), read: () => Promise.resolve(snapshot) };
}

function printReport(ctx: CommandContext, report: PassReport): void {
  for (const o of report.owners) {
    const detail = o.error ?? (o.applied.length > 0 ? `${o.applied.length} steps applied` : 'nothing to do');
    println(ctx.io.stdout, `${o.owner}: ${o.status} (${detail})`);
  }
  println(ctx.io.stdout, `main ${report.revision.slice(0, 12)}: ${report.owners.length} owners reconciled`);
}
