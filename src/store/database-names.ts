/**
 * The databases' names, on their own so that both the connection (couch.ts) and the design
 * documents (design-docs.ts, keyed by database) can use them without importing each other.
 */
export interface DatabaseNames {
  readonly subjects: string;
  readonly whisks: string;
  readonly activations: string;
  readonly colors: string;
  readonly placements: string;
}

export type DatabaseKey = keyof DatabaseNames;

export function databaseNames(prefix: string): DatabaseNames {
  return {
    subjects: `${prefix}subjects`,
    whisks: `${prefix}whisks`,
    activations: `${prefix}activations`,
    colors: `${prefix}palette_colors`,
    placements: `${prefix}palette_placements`,
  };
}
