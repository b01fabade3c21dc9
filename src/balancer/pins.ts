/**
 * The pins of co-access plans: (namespace, color) -> invoker, the in-memory side of the pinned
 * entries in `<prefix>palette_colors` (src/store/pin-store.ts keeps it in step with CouchDB, in
 * every replica). Pure: the pinned policy reads it on every colored decision, so a lookup is two
 * Map reads.
 */
import { checkInvokerId } from './common.js';

export interface PinLookup {
  /** The invoker `color` is pinned to in `namespace`, if any. */
  pinned(namespace: string, color: string): number | undefined;
  /** Bumped by every change, so wrappers can drop what they cached from the pins. */
  readonly version: number;
}

export class PinTable implements PinLookup {
  private readonly byNamespace = new Map<string, Map<string, number>>();
  private changes = 0;
  private count = 0;

  get version(): number {
    return this.changes;
  }

  get size(): number {
    return this.count;
  }

  pinned(namespace: string, color: string): number | undefined {
    return this.byNamespace.get(namespace)?.get(color);
  }

  set(namespace: string, color: string, invoker: number): void {
    checkInvokerId(invoker);
    let colors = this.byNamespace.get(namespace);
    if (!colors) this.byNamespace.set(namespace, (colors = new Map()));
    if (colors.get(color) === invoker) return;
    if (!colors.has(color)) this.count++;
    colors.set(color, invoker);
    this.changes++;
  }

  delete(namespace: string, color: string): boolean {
    const colors = this.byNamespace.get(namespace);
    if (!colors?.delete(color)) return false;
    if (colors.size === 0) this.byNamespace.delete(namespace);
    this.count--;
    this.changes++;
    return true;
  }

  /** The namespace's pins (a copy). */
  namespace(namespace: string): Map<string, number> {
    return new Map(this.byNamespace.get(namespace));
  }
}
