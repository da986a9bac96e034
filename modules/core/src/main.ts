import { startCore } from './app.js';
import { probe } from './health.js';

/**
 * The container's entry point: `node index.cjs` runs the bot, `node index.cjs healthcheck` is
 * the image's health check. Exits 1 with one line on stderr when it cannot start (bad env,
 * missing schema, token refused), so docker's restart policy retries.
 */
async function main(): Promise<number> {
  if (process.argv[2] === 'healthcheck') return probe(Number(process.env.PORT || 8080));
  const core = await startCore(process.env);
  const stop = () => void core.stop();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await core.done;
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`core: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    process.exit(1);
  },
);
