// Types for the `consistent-hash` package (1.2.x), which ships none. Only what src/balancer uses.
declare module 'consistent-hash' {
  interface ConsistentHashOptions {
    /** Size of the ring: control points and lookups fall in [0, range). */
    range?: number;
    /** Control points per node when `add` is given none (drawn with Math.random: never relied on here). */
    controlPoints?: number;
    weight?: number;
    distribution?: 'random' | 'uniform';
  }

  class ConsistentHash<Node = unknown> {
    constructor(options?: ConsistentHashOptions);
    nodeCount: number;
    keyCount: number;
    /** Adds `node` at the given control points (or `n` random ones when `points` is omitted). */
    add(node: Node, n?: number, points?: readonly number[]): this;
    remove(node: Node): this;
    get(name: string): Node | null;
    get(name: string, count: number): Node[] | null;
    getNodes(): Node[];
    getPoints(node: Node): number[] | undefined;
  }

  export = ConsistentHash;
}
