/**
 * The planner's graph in compact arrays: node ids interned to indices, weights in a Float64Array,
 * adjacency in CSR form (offsets, neighbours, edge weights). One object per node id (its string)
 * and no object per edge, so a graph of millions of colors and edges fits in memory (DECISIONS R21).
 */

export interface PlanNode {
  readonly id: string;
  /** Request rate (any unit; only ratios matter). */
  readonly weight: number;
}

export interface PlanEdge {
  readonly a: string;
  readonly b: string;
  /** Co-access strength; default 1. */
  readonly weight?: number;
}

export interface PlanGraph {
  readonly nodes: readonly PlanNode[];
  readonly edges: readonly PlanEdge[];
}

export interface CompactGraph {
  readonly ids: readonly string[];
  readonly nodeWeight: Float64Array;
  /** Neighbours of node i are neighbours[offsets[i] .. offsets[i+1]). */
  readonly offsets: Int32Array;
  readonly neighbours: Int32Array;
  readonly edgeWeight: Float64Array;
  /** Undirected edges (self-loops dropped), and their total weight. */
  readonly edgeCount: number;
  readonly totalEdgeWeight: number;
}

/**
 * Collects nodes and edges one at a time (the CLI's streaming parser feeds it line by line) into
 * growable typed arrays, then builds the CSR form. An edge naming an unknown node adds it with
 * weight `defaultWeight`; a node given twice keeps its last weight.
 */
export class GraphBuilder {
  private readonly index = new Map<string, number>();
  private readonly ids: string[] = [];
  private weights = new Float64Array(1024);
  private weightGiven = new Uint8Array(1024);
  private ends = new Int32Array(2048);
  private strengths = new Float64Array(1024);
  private edges = 0;

  constructor(private readonly defaultWeight = 1) {}

  get nodeCount(): number {
    return this.ids.length;
  }

  get edgeCount(): number {
    return this.edges;
  }

  /** The index of `id`, added with the default weight if new. */
  intern(id: string): number {
    let i = this.index.get(id);
    if (i !== undefined) return i;
    i = this.ids.length;
    this.index.set(id, i);
    this.ids.push(id);
    if (i >= this.weights.length) {
      this.weights = grow(this.weights, i + 1);
      this.weightGiven = grow(this.weightGiven, i + 1);
    }
    this.weights[i] = this.defaultWeight;
    return i;
  }

  setWeight(id: string, weight: number): void {
    if (!Number.isFinite(weight) || weight < 0) throw new RangeError(`weight of ${id} must be >= 0`);
    const i = this.intern(id);
    this.weights[i] = weight;
    this.weightGiven[i] = 1;
  }

  addEdge(a: string, b: string, weight = 1): void {
    if (!Number.isFinite(weight) || weight < 0) throw new RangeError(`edge weight must be >= 0`);
    const ia = this.intern(a);
    const ib = this.intern(b);
    if (ia === ib) return;
    if (2 * this.edges + 2 > this.ends.length) this.ends = grow(this.ends, 2 * this.edges + 2);
    if (this.edges + 1 > this.strengths.length) this.strengths = grow(this.strengths, this.edges + 1);
    this.ends[2 * this.edges] = ia;
    this.ends[2 * this.edges + 1] = ib;
    this.strengths[this.edges] = weight;
    this.edges++;
  }

  /**
   * Nodes given no weight of their own get `weight` instead (rates file given: a color it does not
   * name has no measured traffic).
   */
  defaultUnweighted(weight: number): void {
    for (let i = 0; i < this.ids.length; i++) if (!this.weightGiven[i]) this.weights[i] = weight;
  }

  build(): CompactGraph {
    const n = this.ids.length;
    const degree = new Int32Array(n + 1);
    for (let e = 0; e < 2 * this.edges; e++) degree[this.ends[e]! + 1]!++;
    const offsets = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + degree[i + 1]!;
    const cursor = offsets.slice(0, n);
    const neighbours = new Int32Array(2 * this.edges);
    const edgeWeight = new Float64Array(2 * this.edges);
    let total = 0;
    for (let e = 0; e < this.edges; e++) {
      const a = this.ends[2 * e]!;
      const b = this.ends[2 * e + 1]!;
      const w = this.strengths[e]!;
      total += w;
      neighbours[cursor[a]!] = b;
      edgeWeight[cursor[a]!++] = w;
      neighbours[cursor[b]!] = a;
      edgeWeight[cursor[b]!++] = w;
    }
    return {
      ids: this.ids,
      nodeWeight: this.weights.slice(0, n),
      offsets,
      neighbours,
      edgeWeight,
      edgeCount: this.edges,
      totalEdgeWeight: total,
    };
  }
}

function grow<T extends Float64Array | Int32Array | Uint8Array>(array: T, atLeast: number): T {
  const Ctor = array.constructor as new (n: number) => T;
  const grown = new Ctor(Math.max(atLeast, array.length * 2));
  grown.set(array);
  return grown;
}

/** The compact form of an object graph (R8's interface). */
export function compactGraph(graph: PlanGraph): CompactGraph {
  const builder = new GraphBuilder(0);
  for (const node of graph.nodes) builder.setWeight(node.id, node.weight);
  for (const edge of graph.edges) builder.addEdge(edge.a, edge.b, edge.weight ?? 1);
  return builder.build();
}
