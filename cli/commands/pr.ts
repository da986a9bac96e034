import type { Command } from 'commander';
import { execa } from 'execa';
import { resolve } from 'node:path';
import type { Config } from '../../app/config.js';
import { approveChange } from '../../fleet/approve.js';
import { describeActor } from '../../fleet/changes/describe.js';
import { MAIN, type PullRequest } from '../../fleet/repo/types.js';
import { cliActor, openFleetWriter } from '../changes.js';
import { timeAgo } from '../control-db.js';
import { UsageError } from '../errors.js';
import { type CommandContext, println } from '../io.js';
import { formatTable } from '../table.js';

/** `buckfleet pr list|merge`: the change PRs that wait for an admin, and an admin's merge. */
export function registerPr(program: Command, ctx: CommandContext): void {
  const pr = program.command('pr').summary('list and merge change PRs').description('The change requests of the fleet repo that are open (waiting for an admin), and merging one.');

  pr.command('list')
    .summary('list open change PRs')
    .description('List the open PRs of the fleet repo: number, kind (its label), subject (its title), age (since its first commit) and who asked.')
    .option('--json', 'print a JSON array instead of a table')
    .action(async (options: { json?: boolean }) => {
      const writer = await openFleetWriter(ctx.io);
      const open = (await writer.repo.listOpen()).sort((a, b) => a.number - b.number);
      const now = new Date();
      const rows = await Promise.all(open.map(async (p) => ({ pr: p, since: await openedAt(writer.config, ctx.io.cwd, p) })));
      if (options.json) {
        const json = rows.map(({ pr: p, since }) => ({ number: p.number, kind: kindOf(p), title: p.title, branch: p.branch, openedAt: since?.toISOString() ?? null, url: p.url }));
        println(ctx.io.stdout, JSON.stringify(json, null, 2));
        return;
      }
      if (rows.length === 0) {
        println(ctx.io.stdout, 'no open change PRs');
        return;
      }
      const table = rows.map(({ pr: p, since }) => [`#${p.number}`, kindOf(p), p.title, since === null ? '-' : timeAgo(since, now), requestedBy(p)]);
      for (const line of formatTable(['PR', 'KIND', 'SUBJECT', 'AGE', 'REQUESTED BY'], table)) println(ctx.io.stdout, line);
    });

  pr.command('merge')
    .summary('validate and merge a change PR')
    .description('Merge open PR <number> as an admin does in the bot: main is brought into it, the fleet it would make is validated, and only that exact commit is merged. The PR gets a comment saying who merged it.')
    .argument('<number>', 'the PR number')
    .action(async (numberArg: string) => {
      if (!/^#?[1-9]\d{0,9}$/.test(numberArg)) throw new UsageError(`"${numberArg}" is not a PR number`);
      const number = Number(numberArg.replace('#', ''));
      const writer = await openFleetWriter(ctx.io);
      const { pr: merged, commit } = await approveChange({ repo: writer.repo, prs: writer.repo }, number);
      await writer.repo.ensureComment(number, 'buckfleet:decision', `Approved and merged by ${describeActor(cliActor(ctx.io))}.`);
      println(ctx.io.stdout, `PR #${number} merged (${kindOf(merged)}: ${merged.title}) as ${commit.slice(0, 12)} ${merged.url}`);
    });
}

/** The change kind is the PR's first label (fleet/submit.ts labels it so); other PRs show `-`. */
const kindOf = (p: PullRequest) => p.labels.find((l) => /^[a-z]+\.[a-z]+$/.test(l)) ?? '-';

/** From the first line submit writes into every PR body: `**<kind>** requested by <who>.` */
function requestedBy(p: PullRequest): string {
  const who = /requested by (.+?)\.?$/m.exec(p.body)?.[1]?.trim();
  return who === undefined || who === '' ? '-' : who.slice(0, 60);
}

/**
 * When the change was first committed: the oldest commit of the branch that main lacks. Read with
 * git from a local fleet repo; a GitHub repo's PR branches are not in the read mirror, so null.
 */
async function openedAt(config: Config, cwd: string, p: PullRequest): Promise<Date | null> {
  if (config.fleetRepo.kind !== 'path') return null;
  const r = await execa('git', ['-C', resolve(cwd, config.fleetRepo.path), 'log', '--format=%ct', `refs/heads/${MAIN}..${p.head}`], { reject: false });
  const oldest = r.exitCode === 0 ? r.stdout.trim().split('\n').at(-1) : undefined;
  return oldest === undefined || !/^\d+$/.test(oldest) ? null : new Date(Number(oldest) * 1000);
}
