import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

/**
 * Runs one purchase benchmark child (a vitest file of bench/purchase-world.vitest.config.ts) in a
 * process of its own and returns the JSON it wrote to BENCH_OUT. Its output goes to a log file,
 * shown (the tail) only when it fails: the parent prints nothing but its table.
 */
export async function runPurchaseChild(file: string, env: Record<string, string>): Promise<unknown> {
  const dir = await mkdtemp(join(tmpdir(), 'bf-bench-child-'));
  const out = join(dir, 'out.json');
  const logFile = join(dir, 'vitest.log');
  // Kept when the child fails, for inspection: its output and the control plane's log.
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('npx', ['vitest', 'run', '--config', 'bench/purchase-world.vitest.config.ts', file], {
      env: { ...process.env, ...env, BENCH_OUT: out, BENCH_LOG: join(dir, 'control-plane.log') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (c) => void writeFile(logFile, Buffer.concat(chunks)).then(() => resolve(c ?? 1), reject));
  });
  if (code !== 0) {
    const tail = (await readFile(logFile, 'utf8')).split('\n').slice(-60).join('\n');
    throw new Error(`${file} (${JSON.stringify(env)}) failed with exit code ${code}; kept ${dir}\n${tail}`);
  }
  const result = JSON.parse(await readFile(out, 'utf8')) as unknown;
  await rm(dir, { recursive: true, force: true });
  return result;
}

/** The machine, as bench/README.md reports it for every benchmark. */
export function machine(): Record<string, string | number> {
  const git = execFileSync('git', ['--version'], { encoding: 'utf8' }).trim();
  return { cores: cpus().length, cpu: cpus()[0]?.model ?? '?', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, git, platform: `${process.platform} ${process.arch}` };
}

/** A Markdown table, right-aligned but for the first column. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** bench/results/<name>-YYYY-MM-DD.json */
export function resultsFile(resultsDir: string, name: string): string {
  return join(resultsDir, `${name}-${new Date().toISOString().slice(0, 10)}.json`);
}
