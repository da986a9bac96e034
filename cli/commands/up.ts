import type { Command } from 'commander';
import { resolve } from 'node:path';
import { type Config, loadConfig } from '../../app/config.js';
import { startControlPlane } from '../../app/control-plane.js';
import { parseRoles, ROLE_SUMMARY, ROLES } from '../../app/roles.js';
import { processLog } from '../../app/log.js';
import { STRIPE_WEBHOOK_PATH } from '../../app/http/routes/stripe.js';
import { LocalFleetRepo } from '../../fleet/repo/local/index.js';
import { type CommandContext, println } from '../io.js';
import { packageVersion } from '../version.js';
import { initFiles } from './init-files.js';
import { pathExists } from '../../app/fs.js';

/** The name of the fleet `up` creates in local mode. */
export const LOCAL_FLEET_NAME = 'local';

/** `buckfleet up` (what `npm start` runs): the control plane service, until SIGTERM or SIGINT. */
export function registerUp(program: Command, ctx: CommandContext): void {
  program
    .command('up')
    .summary('run the control plane service')
    .description(
      'Start the control plane: migrate the control database (embedded under BUCKFLEET_HOME when DATABASE_URL is unset), ' +
        'open the fleet repo (a new local one in BUCKFLEET_HOME when FLEET_REPO is unset), and run the roles of this process: ' +
        ROLES.map((r) => `${r} (${ROLE_SUMMARY[r]})`).join('; ') +
        '. Without DIGITALOCEAN_TOKEN the reconciler deploys to this machine\'s docker (BUCKFLEET_LOCAL_DOCKER_HOST), and says so when there is none. ' +
        'Processes with different roles share only the control database. SIGTERM or SIGINT stops it gracefully.',
    )
    .option('--roles <list>', `comma-separated roles to run in this process (${ROLES.join(', ')}); all by default`)
    .action(async (options: { roles?: string }) => {
      // Checked before anything starts: a typo in a supervisor's command line fails at once, naming it.
      const roles = parseRoles(options.roles);
      const config = loadConfig(ctx.io.env);
      const log = processLog();
      const fleetRepoSet = (ctx.io.env.FLEET_REPO ?? '') !== '';
      // Listen before starting: a supervisor's SIGTERM during startup (the embedded database
      // booting) then stops the service once it is up, instead of killing it half-started.
      let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
      const stopped = new Promise<NodeJS.Signals>((resolveSignal) => (onSignal = resolveSignal));
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      try {
        const plane = await startControlPlane(config, ctx.io.cwd, {
          log,
          roles,
          prepareFleetRepo: fleetRepoSet ? undefined : () => ensureLocalFleetRepo(config, ctx.io.cwd, ctx),
        });
        if (roles.has('http') && !plane.stripeWebhook) {
          println(ctx.io.stdout, `Stripe webhooks are off: set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET to serve POST ${STRIPE_WEBHOOK_PATH}`);
        }
        for (const note of plane.notes) println(ctx.io.stdout, note);
        if (roles.size < ROLES.length) println(ctx.io.stdout, `roles of this process: ${[...roles].join(', ')}`);
        // The last line of a start, which scripts and tests wait for.
        println(ctx.io.stdout, plane.url === null ? 'buckfleet control plane running (no http role)' : `buckfleet control plane on ${plane.url}`);
        const signal = await stopped;
        log.info({ signal }, 'stopping');
        await plane.close();
      } finally {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
    });
}

/**
 * Local mode: with FLEET_REPO unset the fleet lives in `<BUCKFLEET_HOME>/fleet.git`; on the
 * first start it is created holding what `buckfleet init` writes, so a fresh machine has a valid
 * fleet to work on. An existing repo is never touched.
 */
async function ensureLocalFleetRepo(config: Config, cwd: string, ctx: CommandContext): Promise<void> {
  if (config.fleetRepo.kind !== 'path') return;
  const gitDir = resolve(cwd, config.fleetRepo.path);
  if (await pathExists(gitDir)) return;
  await LocalFleetRepo.init(gitDir, { initialFiles: initFiles(LOCAL_FLEET_NAME, packageVersion()) });
  println(ctx.io.stdout, `created a local fleet repo in ${gitDir}`);
}

