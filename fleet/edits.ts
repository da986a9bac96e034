import type { FleetSnapshot } from './model.js';
import type { FileEdit } from './repo/types.js';

/** The tree a set of edits would produce, to validate before anything is written. */
export function applyEdits(snapshot: FleetSnapshot, edits: readonly FileEdit[]): FleetSnapshot {
  const files = new Map<string, string>(snapshot.files);
  for (const e of edits) {
    if (e.content === null) files.delete(e.path);
    else files.set(e.path, e.content);
  }
  return { files, refused: snapshot.refused };
}
