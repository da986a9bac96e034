/**
 * The secrets audit's scanner: looks for the plaintext of known secrets in texts collected from
 * everywhere buckfleet writes (test/secrets-sources.ts gathers them). A finding names the secret
 * and the source, never the value, so a failing audit does not print the leak a second time.
 */

export interface Corpus {
  /** Where the text came from: `git object <sha>`, `log line 12`, `control db table outbox`. */
  readonly source: string;
  readonly text: string;
}

export interface Finding {
  readonly secret: string;
  readonly source: string;
  /** How it was written there: as is, URL-encoded (in a connection URL), or JSON-escaped. */
  readonly form: 'plain' | 'url-encoded' | 'json-escaped';
}

/** Shorter than this, a "secret" would turn up by chance in any large text. */
export const MIN_SECRET_LENGTH = 8;

/** The ways a secret is written down by accident: as is, inside a URL, inside JSON. */
function formsOf(value: string): { form: Finding['form']; text: string }[] {
  const forms: { form: Finding['form']; text: string }[] = [{ form: 'plain', text: value }];
  const url = encodeURIComponent(value);
  if (url !== value) forms.push({ form: 'url-encoded', text: url });
  const json = JSON.stringify(value).slice(1, -1);
  if (json !== value) forms.push({ form: 'json-escaped', text: json });
  return forms;
}

/** Every (secret, source) where some form of the secret occurs; [] when the corpora are clean. */
export function findSecrets(secrets: Readonly<Record<string, string>>, corpora: readonly Corpus[]): Finding[] {
  const findings: Finding[] = [];
  for (const [name, value] of Object.entries(secrets)) {
    if (value.length < MIN_SECRET_LENGTH) throw new Error(`the secret "${name}" is too short to scan for (${value.length} < ${MIN_SECRET_LENGTH} characters)`);
    const forms = formsOf(value);
    for (const corpus of corpora) {
      const hit = forms.find((f) => corpus.text.includes(f.text));
      if (hit) findings.push({ secret: name, source: corpus.source, form: hit.form });
    }
  }
  return findings;
}
