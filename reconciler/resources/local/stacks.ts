import { posix } from 'node:path';
import { StalledError } from '../../errors.js';

/**
 * Pure helpers of the local runtime: which folder holds a pseudo-host's stacks, and which of the
 * engine's containers belong to it. Every pseudo-host shares one docker engine, so `docker inspect`
 * of all compose containers must be cut down to the host asked about: compose labels each
 * container with the folder it was started from (`com.docker.compose.project.working_dir`, set by
 * compose v1 and v2 alike), and the runtime starts every stack from `<stacksDir>/<host>/<project>`.
 */

export const WORKING_DIR_LABEL = 'com.docker.compose.project.working_dir';

/** Pseudo-host names are LocalCloud's `local-<id>`; anything else would walk out of the stacks folder. */
export function hostStacksDir(stacksDir: string, host: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(host)) {
    throw new StalledError('invalid-local-host', `local host name ${JSON.stringify(host)} must match [a-z0-9][a-z0-9-]* (a record of the local provider was edited?)`);
  }
  return posix.join(stacksDir, host);
}

/**
 * `docker inspect` output (parsed JSON) with only the containers started from a folder under
 * `dir`. Anything that is not the expected array is passed through untouched, for the stack parser
 * to report with its own context.
 */
export function containersUnder(data: unknown, dir: string): unknown {
  if (!Array.isArray(data)) return data;
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return data.filter((container: unknown) => {
    const workingDir = labelOf(container, WORKING_DIR_LABEL);
    return workingDir !== null && workingDir.startsWith(prefix);
  });
}

function labelOf(container: unknown, label: string): string | null {
  if (typeof container !== 'object' || container === null || !('Config' in container)) return null;
  const config = container.Config;
  if (typeof config !== 'object' || config === null || !('Labels' in config)) return null;
  const labels = config.Labels;
  if (typeof labels !== 'object' || labels === null) return null;
  const value: unknown = (labels as Record<string, unknown>)[label];
  return typeof value === 'string' ? value : null;
}
