import { armor, Decrypter } from 'age-encryption';
import type { SecretOpener } from './context.js';
import { StalledError } from './errors.js';

/**
 * Opens sealed values with the reconciler's age identity. A value that does not open (sealed to
 * another key, or damaged) is a person's problem: re-seal it to the fleet's recipient.
 */
export function ageSecretOpener(identity: string): SecretOpener {
  const d = new Decrypter();
  d.addIdentity(identity);
  return {
    async open(sealed) {
      try {
        return await d.decrypt(armor.decode(sealed), 'text');
      } catch (error) {
        throw new StalledError('SecretUnreadable', 'a sealed secret does not open with the reconciler identity: re-seal it to the fleet recipient', {}, { cause: error });
      }
    },
  };
}
