import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MAIN } from '../fleet/repo/types.js';
import { makeTempBareRepo } from './git.js';
import { captureLog } from './log-capture.js';
import { testDatabase } from './pg/database.js';
import { findSecrets } from './secrets-scan.js';
import { databaseCorpora, gitCorpora } from './secrets-sources.js';

/** The positive controls of the secrets audit: each source collector, and the scanner, find a planted secret. */
const PLANTED = 'canary-Zq7/+x=9y"w';

describe('findSecrets', () => {
  it('finds a secret as is, URL-encoded and JSON-escaped, naming source and form but not the value', () => {
    const findings = findSecrets({ canary: PLANTED }, [
      { source: 'a', text: `before ${PLANTED} after` },
      { source: 'b', text: `postgres://u:${encodeURIComponent(PLANTED)}@h/db` },
      { source: 'c', text: JSON.stringify({ v: PLANTED }) },
      { source: 'clean', text: 'canary-Zq7 and the rest of it elsewhere' },
    ]);
    expect(findings).toEqual([
      { secret: 'canary', source: 'a', form: 'plain' },
      { secret: 'canary', source: 'b', form: 'url-encoded' },
      { secret: 'canary', source: 'c', form: 'json-escaped' },
    ]);
    expect(JSON.stringify(findings)).not.toContain(PLANTED);
  });

  it('refuses a secret too short to scan for, rather than pass vacuously or match by chance', () => {
    expect(() => findSecrets({ short: 'abc' }, [])).toThrow(/too short/);
  });
});

describe('secret sources', () => {
  it('git: reads a commit on any branch, an unreachable blob, and a PR comment of a local fleet repo', async () => {
    const temp = await makeTempBareRepo({ 'README.md': 'clean\n' });
    try {
      const secrets = { branch: `${PLANTED}-branch`, orphan: `${PLANTED}-orphan`, comment: `${PLANTED}-comment` };
      expect(findSecrets(secrets, await gitCorpora(temp.gitDir))).toEqual([]);
      const base = (await temp.repo.head(MAIN)) ?? '';
      await temp.repo.commit({ branch: 'bf/side', parent: base, message: 'side', edits: [{ path: 'side.txt', content: secrets.branch }], expect: 'absent' });
      execFileSync('git', ['-C', temp.gitDir, 'hash-object', '-w', '--stdin'], { input: secrets.orphan });
      const pr = await temp.repo.ensurePr({ branch: 'bf/side', title: 't', body: 'b', labels: [] });
      await temp.repo.ensureComment(pr.number, 'plan', secrets.comment);
      const found = findSecrets(secrets, await gitCorpora(temp.gitDir));
      expect(new Set(found.map((f) => f.secret))).toEqual(new Set(['branch', 'orphan', 'comment']));
      expect(found.find((f) => f.secret === 'orphan')?.source).toBe('git objects (all, reachable or not)');
      expect(found.find((f) => f.secret === 'comment')?.source).toMatch(/^git dir file buckfleet\/prs\/\d+\.json$/);
    } finally {
      await temp.cleanup();
    }
  });

  it('database: reads every table of every schema', async (ctx) => {
    const db = await testDatabase(ctx);
    await db.pool.query('CREATE SCHEMA other; CREATE TABLE other."Odd name" (v jsonb); CREATE TABLE plain (v text)');
    await db.pool.query(`INSERT INTO other."Odd name" VALUES ($1)`, [JSON.stringify({ k: PLANTED })]);
    const found = findSecrets({ canary: PLANTED }, await databaseCorpora(db.url));
    expect(found).toEqual([{ secret: 'canary', source: 'database table other."Odd name"', form: 'json-escaped' }]);
  });

  it('logs: a captured pino line holds what was logged, at any level', () => {
    const { log, lines } = captureLog();
    log.trace({ token: PLANTED }, 'planted');
    expect(findSecrets({ canary: PLANTED }, lines.map((text, i) => ({ source: `log line ${i}`, text })))).toEqual([
      { secret: 'canary', source: 'log line 0', form: 'json-escaped' },
    ]);
  });
});
