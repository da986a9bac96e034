import { describe, expect, it } from 'vitest';
import { describeUrl, scrub, withDatabase } from './url.js';

describe('database URLs in messages', () => {
  it.each([
    ['postgres://app:s3cret@db.example:5432/control?sslmode=require&sslpassword=x', 'postgres://app@db.example:5432/control'],
    ['postgresql://app@localhost/control', 'postgresql://app@localhost/control'],
    ['postgres://db.example/control', 'postgres://db.example/control'],
    ['not a url s3cret', '(an unparsable database URL)'],
  ])('describeUrl(%s) keeps user, host, port and database only', (url, described) => {
    expect(describeUrl(url)).toBe(described);
    expect(describeUrl(url)).not.toContain('s3cret');
  });

  it('withDatabase swaps the database and keeps the rest', () => {
    expect(withDatabase('postgres://a:b@h:1/postgres?sslmode=disable', 't_1')).toBe('postgres://a:b@h:1/t_1?sslmode=disable');
  });

  it('scrub replaces every occurrence of every secret', () => {
    expect(scrub('pw=abc; again abc; url postgres://u:abc@h', ['abc', ''])).toBe('pw=[REDACTED]; again [REDACTED]; url postgres://u:[REDACTED]@h');
  });
});
