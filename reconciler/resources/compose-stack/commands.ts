import { posix } from 'node:path';
import { StalledError } from '../../errors.js';

/**
 * The commands buckfleet runs on a host, as data (STYLE "Commands are data", Kamal's
 * `commands/`): each builder returns the remote argv and runs nothing; `ssh.ts` is the one runner.
 * ssh hands the remote side a single string for its login shell, so argv becomes text in exactly
 * one place, `shellQuote`. Where a step needs the shell (a redirect, a rename after a check), the
 * script is a constant and every value reaches it as a positional parameter (`"$1"`), never
 * spliced into the script text.
 */
export interface RemoteCommand {
  readonly argv: readonly string[];
}

/** Where stacks live on a host and how compose is called there. */
export interface ComposeLayout {
  /** `['docker-compose']` (v1, the default) or `['docker', 'compose']`. */
  readonly composeCommand: readonly string[];
  /** `<stacksDir>/<project>/docker-compose.yml`. */
  readonly stacksDir: string;
  /** Seconds compose waits after SIGTERM before SIGKILL (recreate on up, stop, down); compose's default (10) when absent. */
  readonly stopTimeoutSeconds?: number;
}

export const COMPOSE_FILE = 'docker-compose.yml';

/** Words the shell reads as themselves. `=` and `~` are left out: a leading `a=b` is an assignment, `~` expands. */
const PLAIN = /^[A-Za-z0-9_\-.,:/@%+]+$/;

/**
 * argv → one POSIX shell command line that the remote shell splits back into exactly these
 * words: each word in single quotes (inside which nothing is special), a `'` written as `'\''`.
 * Plain words stay bare so commands read well in logs. NUL cannot be passed in argv at all.
 */
export function shellQuote(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('shellQuote: empty argv');
  return argv
    .map((word) => {
      if (word.includes('\0')) throw new Error('shellQuote: a word contains NUL, which no argv can carry');
      return PLAIN.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
    })
    .join(' ');
}

/**
 * Compose v1 lowercases project names and drops other characters, so only names it keeps as they
 * are may be used: otherwise the `com.docker.compose.project` label would not find the stack again.
 * This also keeps names from walking out of the stacks directory (`..`, `/`).
 */
export function assertProjectName(project: string): void {
  if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(project)) {
    throw new StalledError('invalid-project', `compose project name ${JSON.stringify(project)} must match [a-z0-9][a-z0-9_-]* (at most 63 characters)`);
  }
}

/** A file name inside a buckfleet directory: no separators, no leading dot or dash. */
export function assertFileName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(name)) {
    throw new StalledError('invalid-file-name', `file name ${JSON.stringify(name)} must match [A-Za-z0-9][A-Za-z0-9._-]*`);
  }
}

export function stackPaths(layout: ComposeLayout, project: string): { dir: string; file: string } {
  assertProjectName(project);
  const dir = posix.join(layout.stacksDir, project);
  return { dir, file: posix.join(dir, COMPOSE_FILE) };
}

/** SSH answers and the docker daemon behind it does too (cloud-init may still be installing it). */
export function dockerVersionCommand(): RemoteCommand {
  return { argv: ['docker', 'version', '--format', '{{.Server.Version}}'] };
}

/**
 * Every compose container, stopped ones too, as `docker inspect` JSON: the one output that
 * carries project, service, image, state, health and labels as fields on docker 20.10
 * (`docker ps --format` has health only inside the free-text Status, and labels as one
 * comma-joined string). No containers → `[]`.
 * A container that compose removes between `ps` and `inspect` (a recreate, a `down`) fails
 * `inspect`, so the pair is tried again with a fresh `ps`, up to three times; only the last try's
 * error reaches the caller. Without this, every stack on the host read as unobservable for a pass.
 */
const LIST_SCRIPT = `try=1
while :; do
  ids=$(docker ps -aq --no-trunc --filter label=com.docker.compose.project) || exit
  if [ -z "$ids" ]; then echo '[]'; exit 0; fi
  if [ $try -ge 3 ]; then exec docker inspect --type container $ids; fi
  if out=$(docker inspect --type container $ids 2>/dev/null); then printf '%s\\n' "$out"; exit 0; fi
  try=$((try + 1))
done`;

export function listContainersCommand(): RemoteCommand {
  return { argv: ['sh', '-c', LIST_SCRIPT] };
}

/**
 * First half of writing a file: stdin into a temp file beside the target. The file appears under
 * its real name only in `commitFileCommand`, after the client has sent every byte: if the
 * connection drops, `cat` sees an early end of input and exits 0, so success here proves nothing.
 * Leftover temp files of earlier failed writes of the same name are swept first. umask 077: the
 * files hold secrets, and directories created here are the owner's alone.
 * $1 dir, $2 temp file, $3 prefix of this name's temp files.
 */
const UPLOAD_SCRIPT = `umask 077
mkdir -p -- "$1" || exit
rm -f -- "$3"*
exec cat > "$2"`;

/** $1 temp file, $2 target, $3 mode, $4 byte count the client sent. */
const COMMIT_SCRIPT = `n=$(wc -c < "$1") && [ $n -eq "$4" ] && chmod "$3" "$1" && mv -f -- "$1" "$2" && exit 0
echo "buckfleet: $2 not written: got \${n:-no} bytes of $4" >&2
rm -f -- "$1"
exit 1`;

export interface FileWrite {
  readonly dir: string;
  readonly name: string;
  /** Random, per write: concurrent writers never share a temp file. */
  readonly tempSuffix: string;
}

const tempPrefix = (name: string) => `.${name}.tmp-`;

export function tempPath(write: FileWrite): string {
  assertFileName(write.name);
  if (!/^[A-Za-z0-9]{1,32}$/.test(write.tempSuffix)) throw new Error(`temp suffix ${JSON.stringify(write.tempSuffix)} must be alphanumeric`);
  return posix.join(write.dir, tempPrefix(write.name) + write.tempSuffix);
}

export function uploadCommand(write: FileWrite): RemoteCommand {
  return { argv: ['sh', '-c', UPLOAD_SCRIPT, 'sh', write.dir, tempPath(write), posix.join(write.dir, tempPrefix(write.name))] };
}

export function commitFileCommand(write: FileWrite, opts: { mode: '0600' | '0644'; bytes: number }): RemoteCommand {
  if (!Number.isSafeInteger(opts.bytes) || opts.bytes < 0) throw new Error(`byte count ${opts.bytes} is not a count`);
  return { argv: ['sh', '-c', COMMIT_SCRIPT, 'sh', tempPath(write), posix.join(write.dir, write.name), opts.mode, String(opts.bytes)] };
}

/** Cleanup after a failed write. */
export function discardTempCommand(write: FileWrite): RemoteCommand {
  return { argv: ['rm', '-f', '--', tempPath(write)] };
}

function compose(layout: ComposeLayout, project: string): string[] {
  const { dir, file } = stackPaths(layout, project);
  // `--ansi never`: plain progress lines in stderr, which end up in error messages.
  return [...layout.composeCommand, '--ansi', 'never', '-p', project, '-f', file, '--project-directory', dir];
}

const stopTimeout = (layout: ComposeLayout) => (layout.stopTimeoutSeconds === undefined ? [] : ['--timeout', String(layout.stopTimeoutSeconds)]);

/** Compose recreates the services whose config hash changed and leaves the others running. */
export function composeUpCommand(layout: ComposeLayout, project: string): RemoteCommand {
  return { argv: [...compose(layout, project), 'up', '-d', '--remove-orphans', ...stopTimeout(layout)] };
}

/**
 * Stops and starts the project's containers as they are: not recreated, so nothing is pulled and
 * a changed compose file does not take effect (that is `up`'s job, under the reconciler's plan).
 */
export function composeRestartCommand(layout: ComposeLayout, project: string): RemoteCommand {
  return { argv: [...compose(layout, project), 'restart', ...stopTimeout(layout)] };
}

/** Stops the containers and keeps them, with their volumes: a suspended tenant resumes as it was. */
export function composeStopCommand(layout: ComposeLayout, project: string): RemoteCommand {
  return { argv: [...compose(layout, project), 'stop', ...stopTimeout(layout)] };
}

/**
 * `down` while the compose file is there (compose knows the stack's networks and volumes from
 * it), then whatever still carries the project's label (files lost, a half-done earlier remove),
 * then the files. Removing a project that is already gone succeeds, so a retry is safe.
 * $1 dir, $2 project, $3 `volumes` or `keep`, then the compose down argv.
 */
const REMOVE_SCRIPT = `dir=$1 project=$2 volumes=$3
shift 3
if [ -f "$dir/${COMPOSE_FILE}" ]; then "$@" || exit; fi
label="label=com.docker.compose.project=$project"
ids=$(docker ps -aq --filter "$label") || exit
if [ -n "$ids" ]; then docker rm -f $ids > /dev/null || exit; fi
if [ "$volumes" = volumes ]; then
  vols=$(docker volume ls -q --filter "$label") || exit
  if [ -n "$vols" ]; then docker volume rm $vols > /dev/null || exit; fi
fi
nets=$(docker network ls -q --filter "$label") || exit
if [ -n "$nets" ]; then docker network rm $nets > /dev/null || exit; fi
rm -rf -- "$dir"`;

export function removeStackCommand(layout: ComposeLayout, project: string, opts: { volumes: boolean }): RemoteCommand {
  const { dir } = stackPaths(layout, project);
  const down = [...compose(layout, project), 'down', '--remove-orphans', ...stopTimeout(layout), ...(opts.volumes ? ['--volumes'] : [])];
  return { argv: ['sh', '-c', REMOVE_SCRIPT, 'sh', dir, project, opts.volumes ? 'volumes' : 'keep', ...down] };
}
