/**
 * Everything the harness created in this process and must take down: hosts, key directories, the
 * cached image tar. `stopAllTestHosts` (a test file's afterAll) runs the cleanups; so does the
 * process's exit, for a run that ended before its afterAll. Cleanups are synchronous for that
 * reason (an exit handler cannot await) and idempotent, so running twice is harmless.
 */
type Cleanup = () => string[];

const cleanups = new Map<symbol, Cleanup>();
let hooked = false;

/** Registers a cleanup; returns a function that runs it once and unregisters it. */
export function registerCleanup(cleanup: Cleanup): () => string[] {
  const key = Symbol('cleanup');
  cleanups.set(key, cleanup);
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      const problems = runAll();
      if (problems.length > 0) process.stderr.write(`test hosts: cleanup at exit left problems:\n${problems.join('\n')}\n`);
    });
  }
  return () => {
    if (!cleanups.delete(key)) return [];
    return cleanup();
  };
}

function runAll(): string[] {
  const problems: string[] = [];
  // Newest first: hosts before the key files their sshd was started with.
  for (const [key, cleanup] of [...cleanups.entries()].reverse()) {
    cleanups.delete(key);
    try {
      problems.push(...cleanup());
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  return problems;
}

/** Stops every test host and removes every file the harness made in this process; throws listing what it could not undo. */
export function stopAllTestHosts(): Promise<void> {
  const problems = runAll();
  if (problems.length > 0) return Promise.reject(new Error(`test hosts: cleanup left problems:\n${problems.join('\n')}`));
  return Promise.resolve();
}
