import { Decrypter } from 'age-encryption';
import { describe, expect, it } from 'vitest';
import { BOT_TOKENS, SHARED_TENANT, TEST_IDENTITY, TEST_RECIPIENT, sealValue, validFleetManifests } from '../../test/fleet-fixtures.js';
import { armor } from 'age-encryption';
import { ArmoredAge, holdsAgeFile, SealedSecrets } from './secrets.js';

const ARMOR_RULE = 'must be an age-encrypted, ASCII-armored value (-----BEGIN AGE ENCRYPTED FILE-----)';
const NOT_AGE = 'is not an age-encrypted value: the armor holds no age file (encrypt with age, do not just base64-encode)';
const messages = (value: unknown) => ArmoredAge.safeParse(value).error?.issues.map((i) => i.message);
const STRIPE_KEY = ['sk', 'live', '0123456789abcdef'].join('_'); // assembled, so secret scanners pass this file
const armored = (body: string) => `-----BEGIN AGE ENCRYPTED FILE-----\n${body}\n-----END AGE ENCRYPTED FILE-----\n`;

describe('SealedSecrets', () => {
  it('accepts the fixture: real age ciphertexts that the test identity opens', async () => {
    const secrets = SealedSecrets.parse(validFleetManifests().tenants[SHARED_TENANT]?.secrets);
    const d = new Decrypter();
    d.addIdentity(TEST_IDENTITY);
    const { armor } = await import('age-encryption');
    expect(await d.decrypt(armor.decode(secrets.values.BOT_TOKEN ?? ''), 'text')).toBe(BOT_TOKENS[SHARED_TENANT]);
  });

  it('keys secrets by UPPER_SNAKE_CASE names and nothing else', async () => {
    const sealed = await sealValue(TEST_RECIPIENT, 'x');
    expect(SealedSecrets.safeParse({ values: { bot_token: sealed } }).error?.issues).toMatchObject([{ code: 'invalid_key', path: ['values', 'bot_token'] }]);
    expect(SealedSecrets.safeParse({ values: {}, note: 'x' }).error?.issues).toMatchObject([{ code: 'unrecognized_keys', keys: ['note'] }]);
  });
});

describe('ArmoredAge', () => {
  it('accepts armored age, with LF or CRLF line ends, with or without the final newline', async () => {
    const sealed = await sealValue(TEST_RECIPIENT, '7000000001:AAH_some_token_0123456789abcdefghij');
    expect(ArmoredAge.parse(sealed)).toBe(sealed);
    expect(ArmoredAge.safeParse(sealed.replace(/\n/g, '\r\n')).success).toBe(true);
    expect(ArmoredAge.safeParse(sealed.trimEnd()).success).toBe(true);
  });

  it.each([
    ['a plaintext bot token', '7000000001:AAH_some_token_0123456789abcdefghij'],
    ['a Stripe key', STRIPE_KEY],
    ['a password', 'hunter2'],
    ['an empty value', ''],
    ['armor without a body', '-----BEGIN AGE ENCRYPTED FILE-----\n-----END AGE ENCRYPTED FILE-----\n'],
    ['a PGP message', '-----BEGIN PGP MESSAGE-----\nhQEMA5\n-----END PGP MESSAGE-----\n'],
  ])('refuses %s, without echoing it', (_, value) => {
    const got = messages(value);
    expect(got).toEqual([ARMOR_RULE]);
    if (value !== '') expect(got?.join()).not.toContain(value);
  });

  it('refuses plaintext that was only base64-encoded between armor lines', () => {
    expect(messages(armored(Buffer.from(STRIPE_KEY).toString('base64')))).toEqual([NOT_AGE]);
  });

  it('refuses a real ciphertext whose armor was tampered with', async () => {
    const sealed = await sealValue(TEST_RECIPIENT, 'x');
    const lines = sealed.split('\n');
    const rewrapped = [lines[0], lines.slice(1, -2).join(''), ...lines.slice(-2)].join('\n'); // one long line
    expect(messages(rewrapped)).toEqual([NOT_AGE]);
  });

  it('refuses what is not a string and what is too large', () => {
    expect(messages(42)).toEqual(['Invalid input: expected string, received number']);
    expect(messages(armored('A'.repeat(20_000)))).toEqual(['Too big: expected string to have <=16384 characters']);
  });
});

describe('holdsAgeFile', () => {
  /** What age itself says: its armor decoder takes the text, and the bytes are an age file. */
  const ageSays = (text: string): boolean => {
    try {
      return Buffer.from(armor.decode(text)).toString('latin1').startsWith('age-encryption.org/v1\n');
    } catch {
      return false;
    }
  };

  it("agrees with age's armor decoder on real armor and on thousands of its mutations", async () => {
    const sealed = [await sealValue(TEST_RECIPIENT, 'x'), await sealValue(TEST_RECIPIENT, 'a longer secret value, '.repeat(9))];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = 'AB+/=\n\r -_Z9a.';
    const cases: string[] = [...sealed, ...sealed.map((s) => s.replace(/\n/g, '\r\n')), ...sealed.map((s) => ` \n${s}\n\n`)];
    for (const base of sealed) {
      for (let i = 0; i < 3000; i++) {
        const at = random(base.length);
        const c = alphabet[random(alphabet.length)] ?? '';
        const kind = random(3);
        cases.push(kind === 0 ? base.slice(0, at) + c + base.slice(at + 1) : kind === 1 ? base.slice(0, at) + base.slice(at + 1) : base.slice(0, at) + c + base.slice(at));
      }
    }
    const verdicts = cases.map((text) => [holdsAgeFile(text), ageSays(text)]);
    expect(verdicts.filter(([ours, age]) => ours !== age)).toEqual([]);
    // Both answers occur: the mutations reach the decoder's every rule, not only its header check.
    expect(verdicts.filter(([ours]) => ours).length).toBeGreaterThan(4);
    expect(verdicts.filter(([ours]) => !ours).length).toBeGreaterThan(1000);
  });

  it('refuses a body that is base64 but not canonical: padding bits set, or = inside', () => {
    const body = Buffer.from('age-encryption.org/v1\n-> X25519 abc\n').toString('base64');
    expect(holdsAgeFile(armored(body))).toBe(ageSays(armored(body)));
    const padded = body.endsWith('=') ? body : `${body.slice(0, -4)}AA==`;
    const bits = `${padded.slice(0, padded.indexOf('=') - 1)}B${padded.slice(padded.indexOf('='))}`;
    expect([holdsAgeFile(armored(bits)), ageSays(armored(bits))]).toEqual([false, false]);
    expect([holdsAgeFile(armored(`AAAA==AA${body.slice(8)}`)), ageSays(armored(`AAAA==AA${body.slice(8)}`))]).toEqual([false, false]);
  });
});
