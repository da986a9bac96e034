import { describe, expect, it } from 'vitest';
import { clientConfig, defaultTls, describeServer, parseServerUrl, tenantUrl } from './connection.js';
import { dumpCommand } from './dump.js';

describe('parseServerUrl', () => {
  it('splits an admin URL into parts, decoding user and password', () => {
    expect(parseServerUrl('postgres://doadmin:p%40ss%3Aword@db.example.com:25060/defaultdb?sslmode=require')).toEqual({
      host: 'db.example.com',
      port: 25060,
      user: 'doadmin',
      password: 'p@ss:word',
      database: 'defaultdb',
    });
    expect(parseServerUrl('postgresql://u:p@[::1]/')).toEqual({ host: '::1', port: 5432, user: 'u', password: 'p', database: 'postgres' });
  });

  it('refuses what it cannot use without quoting the URL', () => {
    expect(() => parseServerUrl('mysql://u:secret-1@h/db')).toThrow(/postgres:\/\//);
    expect(() => parseServerUrl('not a url secret-2')).toThrow(TypeError);
    expect(() => parseServerUrl('postgres:///db?host=/var/run/postgresql')).toThrow(/unix sockets/);
    for (const url of ['mysql://u:secret-1@h/db', 'not a url secret-2']) expect(() => parseServerUrl(url)).not.toThrow(/secret/);
  });
});

describe('TLS', () => {
  it('is off on loopback only', () => {
    expect(defaultTls(parseServerUrl('postgres://u:p@127.0.0.1:5432/x'))).toBe('disable');
    expect(defaultTls(parseServerUrl('postgres://u:p@localhost/x'))).toBe('disable');
    expect(defaultTls(parseServerUrl('postgres://u:p@[::1]/x'))).toBe('disable');
    expect(defaultTls(parseServerUrl('postgres://u:p@10.0.0.5/x'))).toBe('require');
    expect(defaultTls(parseServerUrl('postgres://u:p@db.example.com/x'))).toBe('require');
  });

  it('decides the client settings, whatever the admin URL said', () => {
    const address = parseServerUrl('postgres://admin:pw@db.example.com:25060/defaultdb?sslmode=disable');
    expect(clientConfig(address, 'require', { user: 'bf_acme', password: 'x', database: 'bf_acme' })).toMatchObject({
      host: 'db.example.com',
      port: 25060,
      user: 'bf_acme',
      database: 'bf_acme',
      ssl: { rejectUnauthorized: false },
    });
    expect(clientConfig(address, 'disable', { user: 'a', password: 'b', database: 'c' }).ssl).toBe(false);
  });
});

describe('what leaves the adapter', () => {
  const address = parseServerUrl('postgres://admin:adminpw@db.example.com:25060/defaultdb');
  const login = { user: 'bf_acme', password: 'tenant-pw_1', database: 'bf_acme' };

  it('a tenant URL carries its sslmode and the host stacks use', () => {
    expect(tenantUrl('10.231.0.1', 25060, login, 'require')).toBe('postgres://bf_acme:tenant-pw_1@10.231.0.1:25060/bf_acme?sslmode=require');
    expect(tenantUrl('::1', 5432, login, 'disable')).toBe('postgres://bf_acme:tenant-pw_1@[::1]:5432/bf_acme?sslmode=disable');
  });

  it('describeServer names host and port only', () => {
    expect(describeServer(address)).toBe('db.example.com:25060');
  });

  it('pg_dump gets the password in PGPASSWORD, never in argv', () => {
    const command = dumpCommand('pg_dump', address, login, 'require');
    expect(command).toEqual({
      argv: ['pg_dump', '--format=custom', '--no-password', '--host=db.example.com', '--port=25060', '--username=bf_acme', '--dbname=bf_acme'],
      env: { PGPASSWORD: 'tenant-pw_1', PGSSLMODE: 'require', PGCONNECT_TIMEOUT: '10' },
    });
    expect(command.argv.join(' ')).not.toContain('tenant-pw_1');
  });
});
