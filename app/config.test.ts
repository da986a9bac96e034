import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Secret } from '../fleet/secret.js';
import { CONFIG_VARIABLES, ConfigError, loadConfig, parseFleetRepo } from './config.js';

const AGE_RECIPIENT = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';
const BOT_TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';

/** The problems of an environment, as `ConfigError` lists them. */
function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n');
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('names the variables of DESIGN.md in its order, then the reconciler tuning ones', () => {
    expect(CONFIG_VARIABLES).toEqual([
      'BUCKFLEET_HOME',
      'PORT',
      'DATABASE_URL',
      'TENANT_DATABASE_URL',
      'FLEET_REPO',
      'GITHUB_TOKEN',
      'GITHUB_WEBHOOK_SECRET',
      'TELEGRAM_BOT_TOKEN',
      'TELEGRAM_WEBHOOK_SECRET',
      'PUBLIC_URL',
      'TELEGRAM_API_ROOT',
      'ADMIN_TELEGRAM_IDS',
      'STRIPE_SECRET_KEY',
      'STRIPE_WEBHOOK_SECRET',
      'DIGITALOCEAN_TOKEN',
      'SSH_PRIVATE_KEY_FILE',
      'AGE_IDENTITY_FILE',
      'AGE_RECIPIENT',
      'DIGITALOCEAN_API_URL',
      'STRIPE_API_URL',
      'BUCKFLEET_MODULES_DIR',
      'BUCKFLEET_STACK_NETWORK',
      'BUCKFLEET_COMPOSE',
      'BUCKFLEET_HOST_DIR',
      'BUCKFLEET_LOCAL_DOCKER_HOST',
      'TENANT_DATABASE_STACK_HOST',
      'BUCKFLEET_FAILPOINT',
    ]);
  });

  it('an empty environment is local mode with the defaults of the table', () => {
    expect(loadConfig({})).toEqual({
      home: '.buckfleet',
      port: 8080,
      database: { kind: 'embedded' },
      tenantDatabase: { kind: 'embedded' },
      fleetRepo: { kind: 'path', path: '.buckfleet/fleet.git' },
      publicUrl: null,
      github: { token: null, webhookSecret: null },
      telegram: { botToken: null, webhookSecret: null, apiRoot: 'https://api.telegram.org', mode: 'polling' },
      adminTelegramIds: [],
      stripe: null,
      cloud: { kind: 'local' },
      sshPrivateKeyFile: { path: '.buckfleet/keys/ssh_ed25519', origin: 'generated' },
      ageIdentityFile: { path: '.buckfleet/keys/age-identity.txt', origin: 'generated' },
      ageRecipient: null,
      reconciler: {
        digitaloceanApiUrl: null,
        modulesDir: null,
        stackNetwork: 'bridge',
        composeCommand: ['docker-compose'],
        tenantDbStackHost: null,
        hostDir: '/var/lib/buckfleet',
        localDockerHost: null,
        failpoint: null,
      },
    });
  });

  it('treats an empty variable as unset and ignores variables outside the contract', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: '', FLEET_REPO: '', PATH: '/usr/bin', HOME: '/root' });
    expect(config.port).toBe(8080);
    expect(config.database).toEqual({ kind: 'embedded' });
  });

  it('reads a full production environment, secrets wrapped', () => {
    const config = loadConfig({
      BUCKFLEET_HOME: '/var/lib/buckfleet',
      PORT: '3000',
      DATABASE_URL: 'postgres://bf:pw@db:5432/control',
      TENANT_DATABASE_URL: 'postgresql://admin:pw2@tenants:5432/postgres',
      FLEET_REPO: 'acme/fleet',
      GITHUB_TOKEN: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      GITHUB_WEBHOOK_SECRET: 'gh-hook',
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_WEBHOOK_SECRET: 'tg_hook-1',
      PUBLIC_URL: 'https://bf.example.com',
      TELEGRAM_API_ROOT: 'http://127.0.0.1:9000',
      ADMIN_TELEGRAM_IDS: '42, 7,42,',
      STRIPE_SECRET_KEY: 'sk_test_abc123',
      STRIPE_WEBHOOK_SECRET: 'whsec_abc123',
      DIGITALOCEAN_TOKEN: 'dop_v1_abcdef',
      SSH_PRIVATE_KEY_FILE: '/run/secrets/ssh',
      AGE_IDENTITY_FILE: '/run/secrets/age',
      AGE_RECIPIENT,
    });
    expect(config.home).toBe('/var/lib/buckfleet');
    expect(config.port).toBe(3000);
    expect(config.fleetRepo).toEqual({ kind: 'github', owner: 'acme', repo: 'fleet' });
    expect(config.database.kind === 'url' && config.database.url.reveal()).toBe('postgres://bf:pw@db:5432/control');
    expect(config.tenantDatabase.kind === 'url' && config.tenantDatabase.url.reveal()).toBe('postgresql://admin:pw2@tenants:5432/postgres');
    expect(config.github.token?.reveal()).toBe('ghp_abcdefghijklmnopqrstuvwxyz0123456789');
    expect(config.telegram).toMatchObject({ apiRoot: 'http://127.0.0.1:9000', mode: 'webhook' });
    expect(config.telegram.botToken?.reveal()).toBe(BOT_TOKEN);
    expect(config.publicUrl).toBe('https://bf.example.com');
    expect(config.adminTelegramIds).toEqual([42, 7]);
    expect(config.stripe?.secretKey.reveal()).toBe('sk_test_abc123');
    expect(config.cloud.kind === 'digitalocean' && config.cloud.token.reveal()).toBe('dop_v1_abcdef');
    expect(config.sshPrivateKeyFile).toEqual({ path: '/run/secrets/ssh', origin: 'configured' });
    expect(config.ageIdentityFile).toEqual({ path: '/run/secrets/age', origin: 'configured' });
    expect(config.ageRecipient).toBe(AGE_RECIPIENT);
  });

  it('defaults TENANT_DATABASE_URL to DATABASE_URL', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://bf:pw@db/control' });
    expect(config.tenantDatabase).toBe(config.database);
  });

  it('never prints a secret: the whole config serialises and inspects redacted', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://bf:hunter2@db/control',
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      STRIPE_SECRET_KEY: 'sk_live_topsecret',
      STRIPE_WEBHOOK_SECRET: 'whsec_topsecret',
    });
    const printed = [JSON.stringify(config), inspect(config, { depth: 10 }), `${String(config.telegram.botToken)}`];
    for (const text of printed) {
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('AAHdqTcv');
      expect(text).not.toContain('topsecret');
      expect(text).toContain('[REDACTED]');
    }
  });

  it('reports every problem, one line each, naming the variable and never the value', () => {
    const lines = problemsOf({
      PORT: '80a',
      DATABASE_URL: 'mysql://root:hunter2@db/x',
      TELEGRAM_BOT_TOKEN: 'not-a-token-hunter2',
      STRIPE_SECRET_KEY: 'pk_live_hunter2',
      STRIPE_WEBHOOK_SECRET: 'whsec_hunter2\n',
      ADMIN_TELEGRAM_IDS: '42,abc,-1',
      PUBLIC_URL: 'ftp://example.com',
      AGE_RECIPIENT: 'age1nothunter2',
    });
    expect(lines).toEqual([
      'PORT: must be a TCP port number (0-65535; 0 picks a free one)',
      'DATABASE_URL: must be a postgres:// or postgresql:// URL',
      'TELEGRAM_BOT_TOKEN: must be a bot token from @BotFather (digits, ":", then letters)',
      'PUBLIC_URL: must be an http(s) URL',
      'ADMIN_TELEGRAM_IDS: item 2 is not a Telegram user id (a positive integer)',
      'ADMIN_TELEGRAM_IDS: item 3 is not a Telegram user id (a positive integer)',
      'STRIPE_SECRET_KEY: must be a Stripe secret or restricted key (sk_... or rk_...)',
      'STRIPE_WEBHOOK_SECRET: has leading or trailing whitespace (a copied newline?)',
      'AGE_RECIPIENT: must be an age X25519 recipient (age1...)',
    ]);
    expect(lines.join('\n')).not.toContain('hunter2');
  });

  it('checks the variables that only make sense together', () => {
    expect(problemsOf({ FLEET_REPO: 'acme/fleet' })).toEqual(['GITHUB_TOKEN: is required when FLEET_REPO names a GitHub repository']);
    expect(problemsOf({ STRIPE_SECRET_KEY: 'sk_test_1' })).toEqual([
      'STRIPE_WEBHOOK_SECRET: is required with STRIPE_SECRET_KEY: payments are confirmed by signed webhooks',
    ]);
    expect(problemsOf({ STRIPE_WEBHOOK_SECRET: 'whsec_1' })).toEqual(['STRIPE_SECRET_KEY: is required with STRIPE_WEBHOOK_SECRET']);
    expect(problemsOf({ PUBLIC_URL: 'https://bf.example.com', TELEGRAM_BOT_TOKEN: BOT_TOKEN })).toEqual([
      'TELEGRAM_WEBHOOK_SECRET: is required in webhook mode (PUBLIC_URL is set), so that only Telegram can post updates',
    ]);
  });

  it('reports problems of single variables and across variables in the same run', () => {
    expect(problemsOf({ PORT: 'x', FLEET_REPO: 'acme/fleet', STRIPE_SECRET_KEY: 'bad' })).toEqual([
      'PORT: must be a TCP port number (0-65535; 0 picks a free one)',
      'STRIPE_SECRET_KEY: must be a Stripe secret or restricted key (sk_... or rk_...)',
      'GITHUB_TOKEN: is required when FLEET_REPO names a GitHub repository',
      'STRIPE_WEBHOOK_SECRET: is required with STRIPE_SECRET_KEY: payments are confirmed by signed webhooks',
    ]);
  });

  it('reads the local provider\'s docker engine as a DOCKER_HOST value, and refuses a bare path', () => {
    expect(loadConfig({ BUCKFLEET_LOCAL_DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }).reconciler.localDockerHost).toBe('unix:///run/user/1000/docker.sock');
    expect(loadConfig({ BUCKFLEET_LOCAL_DOCKER_HOST: 'tcp://10.0.0.5:2376' }).reconciler.localDockerHost).toBe('tcp://10.0.0.5:2376');
    expect(problemsOf({ BUCKFLEET_LOCAL_DOCKER_HOST: '/var/run/docker.sock' })).toEqual([
      'BUCKFLEET_LOCAL_DOCKER_HOST: must be a DOCKER_HOST value (unix:///path, tcp://host:port, ssh://user@host)',
    ]);
  });

  it('accepts port 0 (any free port) and refuses ports past 65535', () => {
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
    expect(problemsOf({ PORT: '65536' })).toEqual(['PORT: must be a TCP port number (0-65535; 0 picks a free one)']);
  });
});

describe('parseFleetRepo', () => {
  it.each([
    ['acme/fleet', { kind: 'github', owner: 'acme', repo: 'fleet' }],
    ['Acme-Corp/fleet.repo_1', { kind: 'github', owner: 'Acme-Corp', repo: 'fleet.repo_1' }],
    ['/srv/git/fleet.git', { kind: 'path', path: '/srv/git/fleet.git' }],
    ['./fleet/repo', { kind: 'path', path: './fleet/repo' }],
    ['../fleet', { kind: 'path', path: '../fleet' }],
    ['fleet.git', { kind: 'path', path: 'fleet.git' }],
    ['srv/git/fleet', { kind: 'path', path: 'srv/git/fleet' }],
    ['file:///srv/git/fleet.git', { kind: 'path', path: '/srv/git/fleet.git' }],
    ['file://localhost/srv/fleet', { kind: 'path', path: '/srv/fleet' }],
  ])('%s', (value, expected) => {
    expect(parseFleetRepo(value)).toEqual(expected);
  });

  it('defaults to fleet.git in BUCKFLEET_HOME', () => {
    expect(loadConfig({ BUCKFLEET_HOME: '/data' }).fleetRepo).toEqual({ kind: 'path', path: '/data/fleet.git' });
  });

  it('refuses remote URLs without echoing them (they may carry a token)', () => {
    for (const value of ['https://x-access-token:ghs_secret@github.com/acme/fleet.git', 'git@github.com:acme/fleet.git', 'ssh://git@host/fleet']) {
      const lines = problemsOf({ FLEET_REPO: value });
      expect(lines).toEqual([
        'FLEET_REPO: must be owner/name for GitHub, or a path or file:// URL of a local git repo (remote URLs are not supported)',
      ]);
    }
    expect(problemsOf({ FLEET_REPO: 'file://otherhost/srv/fleet' })).toEqual(['FLEET_REPO: must be a file:// URL on this machine (no host)']);
  });
});

describe('Secret', () => {
  it('prints [REDACTED] however it is turned into text, and reveals on request', () => {
    const secret = new Secret('s3cr3t');
    expect(String(secret)).toBe('[REDACTED]');
    // eslint-disable-next-line @typescript-eslint/restrict-template-expressions -- the case under test: a careless template literal
    expect(`${secret}`).toBe('[REDACTED]');
    expect(JSON.stringify({ secret })).toBe('{"secret":"[REDACTED]"}');
    expect(inspect(secret)).toBe('[REDACTED]');
    expect(inspect({ nested: { secret } })).toBe("{ nested: { secret: [REDACTED] } }");
    expect(Object.keys(secret)).toEqual([]);
    expect({ ...secret }).toEqual({});
    expect(secret.reveal()).toBe('s3cr3t');
  });
});
