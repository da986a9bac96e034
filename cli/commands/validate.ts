import type { Command } from 'commander';
import { resolve } from 'node:path';
import { readFleetDir } from '../../fleet/fs-read.js';
import { loadFleet } from '../../fleet/load/index.js';
import type { Fleet } from '../../fleet/model.js';
import { type CommandContext, println } from '../io.js';
import { plural, printIssues } from '../report.js';

/** `buckfleet validate [DIR]`: what the fleet repo's pull-request workflow runs. */
export function registerValidate(program: Command, ctx: CommandContext): void {
  program
    .command('validate')
    .summary('check a fleet repo checkout')
    .description(
      'Check a fleet repo checkout: every manifest against its schema, and the rules across files ' +
        '(plans, hosts, released module versions, no plaintext secrets). Exits 1 and lists every ' +
        'problem as FILE:LINE: FIELD: message when the fleet is invalid.',
    )
    .argument('[dir]', 'the fleet repo checkout', '.')
    .action(async (dir: string) => {
      const result = loadFleet(await readFleetDir(resolve(ctx.io.cwd, dir)));
      if (!result.ok) {
        printIssues(ctx.io, result.issues);
        ctx.exitCode = 1;
        return;
      }
      println(ctx.io.stdout, validSummary(result.fleet));
    });
}

export function validSummary(fleet: Fleet): string {
  const counts = [plural(fleet.tenants.size, 'tenant'), plural(fleet.hosts.size, 'host'), plural(fleet.catalog.size, 'module')];
  return `fleet "${fleet.config.name}" is valid: ${counts.join(', ')}`;
}
