import type { Command } from 'commander';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { loadConfig } from '../../app/config.js';
import { openReleaseDeps } from '../../app/releases.js';
import { openFleetRepo } from '../../app/fleet-repo.js';
import { revertChange } from '../../fleet/revert.js';
import { advanceRollouts, describeAdvance } from '../../modules/advance.js';
import { formatProblem, InvalidModuleError, parseModuleTag } from '../../modules/catalog.js';
import { describeRelease, releaseModule, type ReleaseReport } from '../../modules/release.js';
import { GitTagSource } from '../../modules/tags.js';
import { UsageError } from '../errors.js';
import { type CommandContext, println } from '../io.js';
import { progressList, taskLog } from '../progress.js';

/** `buckfleet release`, `buckfleet rollout advance`, `buckfleet rollback`: releases of modules into the fleet. */
export function registerRelease(program: Command, ctx: CommandContext): void {
  program
    .command('release')
    .summary('release a tagged module version to the fleet')
    .description(
      'Release <name>@<version> (a git tag of the modules repository): validate the module at the tag, ' +
        'record the version in the fleet catalog, open one update PR for the tenants on the auto channel ' +
        '(only the canary group when fleet.yaml has rollout.canary) and tell the owners of notify tenants, ' +
        'with the release notes (the annotated tag message, else the CHANGELOG.md section). Running it again changes nothing.',
    )
    .argument('<tag>', 'the release tag, e.g. core@1.2.0')
    .option('--repo <dir>', 'the modules repository (a checkout with the tags)', '.')
    .action(async (tag: string, options: { repo: string }) => {
      const parsed = parseModuleTag(tag);
      if (parsed === null || 'problem' in parsed) throw new UsageError(`"${tag}" is not a release tag <module>@<version>${parsed === null ? '' : `: ${parsed.problem}`}`);
      const config = loadConfig(ctx.io.env);
      let handle: Awaited<ReturnType<typeof openReleaseDeps>> | undefined;
      let report: ReleaseReport | undefined;
      // Progress as it goes (reading the tags, each PR), then the result lines.
      const steps = progressList(ctx.io, [
        {
          title: 'open the fleet repo and the control database',
          task: async () => {
            handle = await openReleaseDeps(config, ctx.io.cwd);
          },
        },
        {
          title: `release ${tag}`,
          task: async (_, task) => {
            const deps = handle!.deps;
            const source = new GitTagSource(resolve(ctx.io.cwd, options.repo));
            task.output = `reading the tags of ${source.repo}`;
            report = await releaseModule({ ...deps, log: taskLog((line) => (task.output = line), deps.log), source }, parsed.name, parsed.version);
          },
        },
      ]);
      try {
        await steps.run();
        for (const line of describeRelease(report!)) println(ctx.io.stdout, line);
      } catch (error) {
        if (!(error instanceof InvalidModuleError)) throw error;
        for (const problem of error.problems) println(ctx.io.stderr, `buckfleet: ${formatProblem(problem)}`);
        ctx.exitCode = 1;
      } finally {
        await handle?.close();
      }
    });

  program
    .command('rollout')
    .summary('staged rollouts of releases')
    .description('Staged rollouts of module releases (fleet.yaml rollout).')
    .command('advance')
    .summary('open the rest of a release once its canary soaked')
    .description(
      'For every release in its canary stage: once each canary tenant has run the new version healthily ' +
        'for rollout.soakMinutes (the reconciler\'s tenant status), open the update PR for the other auto tenants; ' +
        'a canary that failed stops the rollout and the admins are told. Safe to run as often as wanted (cron).',
    )
    .action(async () => {
      const handle = await openReleaseDeps(loadConfig(ctx.io.env), ctx.io.cwd);
      try {
        const reports = await advanceRollouts(handle.deps);
        if (reports.length === 0) println(ctx.io.stdout, 'no rollout in its canary stage');
        for (const r of reports) println(ctx.io.stdout, describeAdvance(r));
      } finally {
        await handle.close();
      }
    });

  program
    .command('rollback')
    .summary('open a revert PR of a merged change')
    .description('Open a PR that reverts merged PR <pr> of the fleet repo on today\'s main (once; a second run shows the same PR). It waits for review like any change.')
    .argument('<pr>', 'the number of the merged PR')
    .action(async (prArg: string) => {
      const pr = Number(prArg);
      if (!/^[1-9]\d{0,9}$/.test(prArg)) throw new UsageError(`"${prArg}" is not a PR number`);
      const repo = await openFleetRepo(loadConfig(ctx.io.env), ctx.io.cwd);
      const user = ctx.io.env.USER ?? userInfo().username;
      const result = await revertChange({ repo, prs: repo, requestedBy: { type: 'cli', user: user.slice(0, 64) || 'cli' } }, pr);
      println(ctx.io.stdout, `revert of PR #${pr}: PR #${result.pr.number} ${result.pr.state}${result.created ? '' : ' (opened before)'} ${result.pr.url}`);
    });
}
