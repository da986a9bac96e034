/**
 * The section of one version in a `CHANGELOG.md` (Keep a Changelog style): from its heading
 * (`## [1.1.0] - 2026-03-01`, `## 1.1.0`, `### v1.1.0`) to the next heading of the same or a
 * higher level, trimmed; null when the file has no such section or it is empty. Pure.
 */
export function changelogSection(markdown: string, version: string): string | null {
  const lines = markdown.split(/\r?\n/);
  const escaped = version.replace(/[.+]/g, (c) => `\\${c}`);
  const heading = new RegExp(`^(#{1,6})\\s*\\[?v?${escaped}\\]?(?:\\s|$)`);
  const start = lines.findIndex((l) => heading.test(l));
  if (start === -1) return null;
  const level = heading.exec(lines[start] ?? '')?.[1]?.length ?? 2;
  const next = lines.findIndex((l, i) => i > start && /^(#{1,6})\s/.test(l) && (/^(#{1,6})/.exec(l)?.[1]?.length ?? 7) <= level);
  const text = lines
    .slice(start + 1, next === -1 ? undefined : next)
    .join('\n')
    .trim();
  return text === '' ? null : text;
}
