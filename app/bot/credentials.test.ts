import { generateX25519Identity } from 'age-encryption';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../fleet/secret.js';
import { deriveDbPassword, InvalidTenantSlugError, PgTenantDatabase } from '../../reconciler/resources/tenant-db/index.js';
import { adminUrl } from '../../test/pg/database.js';
import { loadConfig } from '../config.js';
import { tenantDatabaseCredentials, tenantDatabaseCredentialsFromConfig } from './credentials.js';

const FLEET = `credentials-test-${process.pid}`;

describe('tenant database credentials', () => {
  it('are the ones the reconciler creates: the customer can log in to their database with them', async (ctx) => {
    const identity = new Secret(await generateX25519Identity());
    const slug = `c${createHash('sha256').update(ctx.task.fullName).digest('hex').slice(0, 8)}-shop`;
    const password = (s: string) => deriveDbPassword(identity, s);
    const server = new PgTenantDatabase(adminUrl(), { password });
    await server.drop(slug);
    ctx.onTestFinished(() => server.drop(slug));
    await server.ensure(FLEET, slug, password(slug));

    const credentials = await tenantDatabaseCredentials({ identity, adminUrl: new Secret(adminUrl()), stackHost: null })(slug);
    const admin = new URL(adminUrl());
    const role = `bf_${slug.replace(/-/g, '_')}`;
    expect(credentials).toEqual({ host: admin.hostname, port: Number(admin.port || 5432), database: role, user: role, password: password(slug) });
    const client = new pg.Client({ ...credentials });
    await client.connect();
    try {
      expect((await client.query<{ who: string; db: string }>('SELECT current_user AS who, current_database() AS db')).rows).toEqual([{ who: role, db: role }]);
    } finally {
      await client.end();
    }
  });

  it('name TENANT_DATABASE_STACK_HOST as the host when it is set, and refuse a slug that is not one', async () => {
    const identity = new Secret(await generateX25519Identity());
    const resolve = tenantDatabaseCredentials({ identity, adminUrl: new Secret('postgres://admin:adminpw@10.0.0.5:25060/defaultdb'), stackHost: 'db.internal' });
    expect(await resolve('alpha-shop')).toEqual({ host: 'db.internal', port: 25060, database: 'bf_alpha_shop', user: 'bf_alpha_shop', password: deriveDbPassword(identity, 'alpha-shop') });
    await expect(resolve('Not A Slug')).rejects.toBeInstanceOf(InvalidTenantSlugError);
  });

  it('from the configuration: the age identity file, TENANT_DATABASE_URL, else the control database', async () => {
    const home = await mkdtemp(join(tmpdir(), 'bf-credentials-'));
    try {
      const identity = await generateX25519Identity();
      await writeFile(join(home, 'age.txt'), `# buckfleet\n${identity}\n`, { mode: 0o600 });
      const env = { BUCKFLEET_HOME: home, AGE_IDENTITY_FILE: join(home, 'age.txt') };
      const control = new Secret('postgres://control:pw@127.0.0.1:5433/buckfleet');
      const own = await tenantDatabaseCredentialsFromConfig(loadConfig({ ...env, TENANT_DATABASE_URL: 'postgres://a:b@tenants.example:6543/postgres' }), home, control);
      expect(await own('alpha-shop')).toMatchObject({ host: 'tenants.example', port: 6543, password: deriveDbPassword(new Secret(identity), 'alpha-shop') });
      const shared = await tenantDatabaseCredentialsFromConfig(loadConfig(env), home, control);
      expect(await shared('alpha-shop')).toMatchObject({ host: '127.0.0.1', port: 5433 });
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
