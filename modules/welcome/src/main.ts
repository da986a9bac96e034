import { startWelcome } from './app.js';

/** `node index.cjs` runs the greeter; `node index.cjs healthcheck` is the image's health check. */
async function main(): Promise<number> {
  if (process.argv[2] === 'healthcheck') {
    const r = await fetch(`http://127.0.0.1:${process.env.PORT || 8081}/healthz`, { signal: AbortSignal.timeout(5000) }).catch(() => null);
    return r?.status === 200 ? 0 : 1;
  }
  const welcome = await startWelcome(process.env);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await welcome.stop();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`welcome: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    process.exit(1);
  },
);
