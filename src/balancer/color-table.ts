/**
 * Port between the least-assigned policy's in-memory table (pure) and its persistence
 * (src/store, CouchDB). The table notifies a listener of every decision it makes itself; it does
 * not notify for assignments it adopts (loaded at start, learned from another replica).
 */
export type AssignmentReason = 'new' | 'reassigned';

export interface ColorAssignmentListener {
  onAssignment(color: string, invoker: number, reason: AssignmentReason): void;
}
