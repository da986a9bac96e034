/**
 * Names derived from a tenant slug. Slugs are DNS labels (a-z, 0-9, "-"), so these are safe as
 * PostgreSQL identifiers and compose project names without quoting games, and distinct slugs
 * never give the same name ("-" maps to "_", which slugs cannot contain).
 */
export const databaseName = (slug: string) => `bf_${slug.replace(/-/g, '_')}`;
export const roleName = databaseName;
export const composeProject = (slug: string) => `bf-${slug}`;

/** The slug a derived database name came from, or null when it is not buckfleet's. */
export function slugOfDatabase(name: string): string | null {
  return /^bf_[a-z][a-z0-9_]{1,30}[a-z0-9]$/.test(name) ? name.slice(3).replace(/_/g, '-') : null;
}

/** The slug a compose project name came from, or null when it is not buckfleet's. */
export function slugOfProject(project: string): string | null {
  return /^bf-[a-z][a-z0-9-]{1,30}[a-z0-9]$/.test(project) ? project.slice(3) : null;
}
