import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../../fleet/secret.js';
import { deriveDbPassword, scramVerifier } from './password.js';

describe('deriveDbPassword', () => {
  const secret = new Secret('reconciler-db-secret');

  it('is HMAC-SHA256(secret, slug) in base64url: stable, per tenant, per secret', () => {
    const a = deriveDbPassword(secret, 'acme');
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(deriveDbPassword(secret, 'acme')).toBe(a);
    expect(deriveDbPassword(secret, 'globex')).not.toBe(a);
    expect(deriveDbPassword(new Secret('another-secret'), 'acme')).not.toBe(a);
  });
});

describe('scramVerifier', () => {
  // RFC 7677's example: password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ== (4096 iterations).
  // StoredKey and ServerKey follow from the SaltedPassword of that exchange.
  const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');

  it('has the pg_authid format, with the salt and iteration count given', () => {
    expect(scramVerifier('pencil', salt)).toMatch(/^SCRAM-SHA-256\$4096:W22ZaJ0SNY7soEsUEjb6gQ==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
  });

  it("verifies RFC 7677's example exchange: its client proof and server signature", () => {
    const [storedKey, serverKey] = (scramVerifier('pencil', salt).split('$')[2] ?? '').split(':').map((k) => Buffer.from(k, 'base64'));
    const authMessage =
      'n=user,r=rOprNGfwEbeRWgbNEkqO,' +
      'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,' +
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
    if (!storedKey || !serverKey) throw new Error('malformed verifier');
    // What the server does: ClientKey = proof XOR HMAC(StoredKey, AuthMessage); H(ClientKey) must be StoredKey.
    const proof = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64');
    const clientSignature = createHmac('sha256', storedKey).update(authMessage).digest();
    const clientKey = Buffer.from(proof.map((b, i) => b ^ (clientSignature[i] ?? 0)));
    expect(createHash('sha256').update(clientKey).digest().equals(storedKey)).toBe(true);
    expect(createHmac('sha256', serverKey).update(authMessage).digest('base64')).toBe('6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  });

  it('is deterministic for a salt and differs between salts', () => {
    expect(scramVerifier('pw-1', salt)).toBe(scramVerifier('pw-1', salt));
    expect(scramVerifier('pw-1', Buffer.alloc(16, 1))).not.toBe(scramVerifier('pw-1', salt));
  });

  it('never contains the password', () => {
    const password = deriveDbPassword(new Secret('s'), 'acme');
    expect(scramVerifier(password, salt)).not.toContain(password);
  });

  it('refuses passwords SASLprep would change rather than hash them wrongly', () => {
    expect(() => scramVerifier('pässword', salt)).toThrow(TypeError);
    expect(() => scramVerifier('with space', salt)).toThrow(TypeError);
  });
});
