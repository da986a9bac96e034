import { generateX25519Identity } from 'age-encryption';
import { describe, expect, it } from 'vitest';
import { sealValue } from '../fleet/seal.js';
import { TEST_IDENTITY, TEST_RECIPIENT } from '../test/fleet-fixtures.js';
import { StalledError } from './errors.js';
import { ageSecretOpener } from './secrets.js';

describe('ageSecretOpener', () => {
  it('opens what was sealed to its recipient', async () => {
    const sealed = await sealValue(TEST_RECIPIENT, 'token "with" $(quotes)\nand lines');
    expect(await ageSecretOpener(TEST_IDENTITY).open(sealed)).toBe('token "with" $(quotes)\nand lines');
  });

  it('refuses a value sealed to another key as a stalled error without the ciphertext', async () => {
    const sealed = await sealValue(TEST_RECIPIENT, 'secret');
    const other = ageSecretOpener(await generateX25519Identity());
    const err = await other.open(sealed).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StalledError);
    expect((err as StalledError).message).not.toContain('BEGIN AGE');
  });
});
