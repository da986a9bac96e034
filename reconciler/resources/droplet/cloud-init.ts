import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { StalledError } from '../../errors.js';

/**
 * The user data a new droplet boots with (cloud-init's `#cloud-config`): pure, so what a droplet
 * gets is tested by equality and the fake cloud can boot a test host from exactly the same text.
 *
 * The host key is buckfleet's own, generated before the droplet and stored before the create
 * call: the droplet presents that key from its very first boot, so the first SSH connection is
 * already pinned (no trust-on-first-use window).
 */

/**
 * Ubuntu's two compose packages: `docker-compose` gives the v1 `docker-compose` command (the
 * HostRuntime's default), `docker-compose-v2` the `docker compose` plugin. Both ship in
 * ubuntu-24-04-x64's archive next to `docker.io`, so no third-party repository is needed.
 */
export type ComposePackage = 'docker-compose' | 'docker-compose-v2';

export interface CloudInitInput {
  /** The fleet's SSH public key (an OpenSSH line), the one the reconciler logs in with as root. */
  readonly authorizedKey: string;
  /** buckfleet's generated ed25519 host key for this droplet. The private half is a secret. */
  readonly hostKey: { readonly privateKey: string; readonly publicKey: string };
  readonly composePackage: ComposePackage;
}

/** Where buckfleet keeps its files on a host (the HostRuntime's defaults). */
export const BASE_DIR = '/var/lib/buckfleet';
export const STACKS_DIR = `${BASE_DIR}/stacks`;
export const BACKUPS_DIR = `${BASE_DIR}/backups`;

const PUBLIC_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( [^\r\n]*)?$/;
const ED25519_PUBLIC = /^ssh-ed25519 [A-Za-z0-9+/]+={0,3}( [^\r\n]*)?$/;
const OPENSSH_PRIVATE = /^-----BEGIN OPENSSH PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END OPENSSH PRIVATE KEY-----\n?$/;

/** `#cloud-config` for a new droplet. Throws StalledError on a malformed key: a person must fix the key. */
export function cloudInit(input: CloudInitInput): string {
  const authorizedKey = input.authorizedKey.trim();
  const hostPublic = input.hostKey.publicKey.trim();
  if (!PUBLIC_KEY.test(authorizedKey)) {
    throw new StalledError('BadFleetKey', 'the fleet SSH public key is not one OpenSSH public key line; check the .pub beside SSH_PRIVATE_KEY_FILE');
  }
  if (!ED25519_PUBLIC.test(hostPublic)) throw new StalledError('BadHostKey', 'the host public key is not an "ssh-ed25519 AAAA..." line');
  // The private key is never quoted, not even in part.
  if (!OPENSSH_PRIVATE.test(input.hostKey.privateKey)) throw new StalledError('BadHostKey', 'the host private key is not an OpenSSH private key (PEM text)');
  const privateKey = input.hostKey.privateKey.endsWith('\n') ? input.hostKey.privateKey : `${input.hostKey.privateKey}\n`;
  const config = {
    package_update: true,
    packages: ['docker.io', input.composePackage],
    // Root logs in with the fleet key only: no passwords, and cloud-init's default of refusing
    // root (a "login as ubuntu" stub in root's authorized_keys) is turned off.
    disable_root: false,
    ssh_pwauth: false,
    ssh_authorized_keys: [authorizedKey],
    // The image's host keys are deleted and, since `ssh_keys` is given, none are generated:
    // the droplet's only host key is the pinned one.
    ssh_deletekeys: true,
    ssh_keys: { ed25519_private: privateKey, ed25519_public: hostPublic },
    // argv form: cloud-init quotes each word itself. Backups hold database dumps: 0700.
    runcmd: [['install', '-d', '-m', '0700', BASE_DIR, STACKS_DIR, BACKUPS_DIR]],
  };
  // lineWidth 0: never fold a key line; multi-line strings become literal blocks, kept byte for byte.
  return `#cloud-config\n${stringify(config, { lineWidth: 0, blockQuote: 'literal' })}`;
}

const Parsed = z.object({
  ssh_authorized_keys: z.array(z.string()).min(1),
  ssh_keys: z.object({ ed25519_private: z.string(), ed25519_public: z.string() }),
});

export interface ParsedCloudInit {
  readonly authorizedKeys: readonly string[];
  readonly hostPrivateKey: string;
  readonly hostPublicKey: string;
}

/**
 * The keys in a droplet's user data: what the fake cloud boots a test host with, so it gets
 * exactly what a real droplet would. Throws when the text is not buckfleet's cloud-config.
 */
export function parseCloudInit(userData: string): ParsedCloudInit {
  if (!userData.startsWith('#cloud-config\n')) throw new Error('user data does not start with a "#cloud-config" line');
  const parsed = Parsed.safeParse(parse(userData));
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
    throw new Error(`user data is not buckfleet's cloud-config: missing or malformed ${fields}`);
  }
  const { ssh_authorized_keys: authorizedKeys, ssh_keys: keys } = parsed.data;
  return { authorizedKeys, hostPrivateKey: keys.ed25519_private, hostPublicKey: keys.ed25519_public };
}
