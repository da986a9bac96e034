import { armor, Encrypter } from 'age-encryption';

/**
 * Seals one secret value for secrets.age: age-encrypted to the reconciler's recipient and
 * ASCII-armored. Writers (the bot, billing, the importer) only ever seal; the plaintext is
 * theirs for the moment it takes to call this.
 */
export async function sealValue(recipient: string, plaintext: string): Promise<string> {
  const e = new Encrypter();
  e.addRecipient(recipient);
  return armor.encode(await e.encrypt(plaintext));
}
