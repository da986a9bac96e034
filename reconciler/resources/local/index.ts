/**
 * The `local` provider (no DIGITALOCEAN_TOKEN): hosts of the fleet become folders on this
 * machine's docker instead of droplets. `LocalCloud` records the pseudo-hosts, `LocalHostRuntime`
 * runs their compose stacks without SSH, `probeDocker` says whether there is a docker to run them.
 */
export { LocalCloud, type LocalCloudOptions, localHostName, parseRecord, pseudoDroplet } from './cloud.js';
export { LocalHostRuntime, type LocalHostRuntimeOptions } from './runtime.js';
export { availability, type DockerAvailability, probeDocker, type ProbeRun } from './probe.js';
export { describeDockerHost, localRunner } from './runner.js';
export { containersUnder, hostStacksDir, WORKING_DIR_LABEL } from './stacks.js';
