/**
 * A JSON nesting-depth check over the body's bytes as they arrive, before JSON.parse. V8 parses
 * any depth, but what follows a parse (JSON.stringify, structuredClone, recursive checks) recurses
 * and overflows the stack on a body like 100,000 nested arrays: that must be a 400, not a 500.
 */

/** Deeper than any real payload or action document; far below what the recursive steps survive. */
export const maxJsonDepth = 512;

const quote = 0x22;
const backslash = 0x5c;
const openArray = 0x5b;
const closeArray = 0x5d;
const openObject = 0x7b;
const closeObject = 0x7d;

/** Tracks brackets outside strings across chunks (a string or an escape may span two chunks). */
export class DepthGuard {
  private depth = 0;
  private inString = false;
  private escaped = false;
  tooDeep = false;

  constructor(private readonly max: number) {}

  feed(chunk: Uint8Array): void {
    if (this.tooDeep) return;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === backslash) this.escaped = true;
        else if (b === quote) this.inString = false;
      } else if (b === quote) {
        this.inString = true;
      } else if (b === openArray || b === openObject) {
        if (++this.depth > this.max) {
          this.tooDeep = true;
          return;
        }
      } else if (b === closeArray || b === closeObject) {
        // Unbalanced closers are left to JSON.parse to reject.
        this.depth--;
      }
    }
  }
}
