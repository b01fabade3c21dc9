/**
 * What the dashboard shows of the last minute, kept by this controller replica from its own
 * placements and acknowledgements (issue 18 item 4, R23). Pure bookkeeping: no timers, no I/O; time
 * comes from `now()`, so tests move a manual clock.
 *
 * - Counts live in one-second buckets (at most `windowMs / 1000` of them), so memory does not grow
 *   with the request rate: activations per second by policy, off-home placements, warm and cold
 *   starts per invoker, activations per color (distinct colors per bucket bounded).
 * - Recent activations are a ring of the last `maxRecent` placements, each completed in place when
 *   its result or completion arrives.
 * - Warm or cold comes from the acknowledged record (R7/R23: no `initTime` means warm), so it holds
 *   for real OpenWhisk invokers too; only acknowledgements that carry the record count (a
 *   completion-only ack, as a non-blocking invoke gets, has none).
 */
import type { Placement } from '../../controller/types.js';
import type { WhiskActivation } from '../../protocol/index.js';
import { warmOf } from '../activations.js';

export interface ActivityOptions {
  /** Window of the shares and the top colors (default 60 s). */
  readonly windowMs?: number;
  /** Window of the per-second rates (default 10 s: a burst shows within a second or two). */
  readonly rateWindowMs?: number;
  /** Recent activations remembered (default 2 000, all namespaces together). */
  readonly maxRecent?: number;
  /** Distinct namespace/color pairs counted per one-second bucket (default 10 000). */
  readonly maxColorsPerBucket?: number;
  readonly now?: () => number;
}

/** One recent activation as the dashboard lists it. */
export interface RecentActivation {
  readonly activationId: string;
  readonly namespace: string;
  /** `namespace/[package/]name`. */
  readonly action: string;
  readonly kind: 'action' | 'sequence' | 'trigger';
  readonly color?: string;
  readonly policy: string;
  readonly invoker?: number;
  readonly home?: number;
  readonly reason?: string;
  /** Epoch ms of the placement decision. */
  readonly placedAt: number;
  /** `running` until its completion or result arrives, then `done` or the record's status. */
  status:
    'running' | 'done' | 'success' | 'application error' | 'action developer error' | 'whisk internal error';
  duration?: number;
  warm?: boolean;
}

interface Bucket {
  second: number;
  placed: number;
  spilled: number;
  forced: number;
  byPolicy: Map<string, number>;
  warm: Map<number, number>;
  cold: Map<number, number>;
  /** `namespace \0 color` -> activations. */
  colors: Map<string, number>;
}

export interface OffHomeShare {
  /** Activations placed on an invoker in the window. */
  readonly placed: number;
  readonly spilled: number;
  readonly forced: number;
  /** (spilled + forced) / placed; 0 when nothing was placed. */
  readonly share: number;
}

export interface WarmShare {
  readonly warm: number;
  readonly cold: number;
  /** warm / (warm + cold); undefined when no record was acknowledged in the window. */
  readonly share: number | undefined;
}

export interface ColorCount {
  readonly namespace: string;
  readonly color: string;
  readonly activations: number;
}

export interface RecentFilter {
  /** Only this namespace; undefined: every namespace. */
  readonly namespace?: string;
  /** Exact color. */
  readonly color?: string;
  /** Substring of the action's `namespace/[package/]name`. */
  readonly action?: string;
  readonly limit: number;
}

const statusNames = [
  'success',
  'application error',
  'action developer error',
  'whisk internal error',
] as const;

const bump = <K>(map: Map<K, number>, key: K, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

export class DashboardActivity {
  readonly windowMs: number;
  readonly rateWindowMs: number;
  private readonly maxRecent: number;
  private readonly maxColorsPerBucket: number;
  private readonly now: () => number;
  private readonly buckets: Bucket[] = [];
  /** Newest last; `byId` indexes the same objects. */
  private readonly ring: RecentActivation[] = [];
  private ringStart = 0;
  private readonly byId = new Map<string, RecentActivation>();

  constructor(options: ActivityOptions = {}) {
    this.windowMs = options.windowMs ?? 60_000;
    this.rateWindowMs = Math.min(options.rateWindowMs ?? 10_000, this.windowMs);
    this.maxRecent = options.maxRecent ?? 2_000;
    this.maxColorsPerBucket = options.maxColorsPerBucket ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** The controller placed an activation (any kind; only actions have an invoker). */
  placed(placement: Placement): void {
    const kind = placement.kind ?? 'action';
    const bucket = this.bucket();
    if (placement.invoker !== undefined) {
      bucket.placed++;
      if (placement.forced) bucket.forced++;
      else if (placement.spilled) bucket.spilled++;
      bump(bucket.byPolicy, placement.policy);
      if (placement.color !== undefined) {
        const key = `${placement.namespace}\0${placement.color}`;
        if (bucket.colors.has(key) || bucket.colors.size < this.maxColorsPerBucket) bump(bucket.colors, key);
      }
    }
    this.remember({
      activationId: placement.activationId,
      namespace: placement.namespace,
      action: placement.action,
      kind,
      ...(placement.color !== undefined ? { color: placement.color } : {}),
      policy: placement.policy,
      ...(placement.invoker !== undefined ? { invoker: placement.invoker } : {}),
      ...(placement.home !== undefined ? { home: placement.home } : {}),
      ...(placement.reason !== undefined ? { reason: placement.reason } : {}),
      placedAt: placement.time,
      status: 'running',
    });
  }

  /** An acknowledgement carried the activation's record (a result, or a record given up on). */
  result(activation: WhiskActivation): void {
    const entry = this.byId.get(activation.activationId);
    if (!entry) return;
    const code = activation.response.statusCode;
    entry.status = statusNames[code] ?? 'whisk internal error';
    const start = Number(activation.start);
    const end = Number(activation.end);
    const duration = typeof activation.duration === 'number' ? activation.duration : end - start;
    // A trigger's record has `end` 0 (OpenWhisk's): it has no duration.
    if (Number.isFinite(duration) && duration >= 0) entry.duration = duration;
    const warm = warmOf(Array.isArray(activation.annotations) ? activation.annotations : []);
    if (warm === undefined || entry.invoker === undefined) return;
    const counted = entry.warm !== undefined;
    entry.warm = warm;
    if (!counted) bump(warm ? this.bucket().warm : this.bucket().cold, entry.invoker);
  }

  /** The activation's completion arrived (it may carry no record). */
  done(activationId: string): void {
    const entry = this.byId.get(activationId);
    if (entry && entry.status === 'running') entry.status = 'done';
  }

  /** Activations per second placed by each policy over the rate window. */
  ratesByPolicy(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const b of this.live(this.rateWindowMs)) for (const [p, n] of b.byPolicy) bump(counts, p, n);
    const seconds = this.rateWindowMs / 1000;
    return new Map([...counts].map(([p, n]) => [p, n / seconds]));
  }

  offHome(): OffHomeShare {
    let placed = 0;
    let spilled = 0;
    let forced = 0;
    for (const b of this.live(this.windowMs)) {
      placed += b.placed;
      spilled += b.spilled;
      forced += b.forced;
    }
    return { placed, spilled, forced, share: placed === 0 ? 0 : (spilled + forced) / placed };
  }

  warmByInvoker(): Map<number, WarmShare> {
    const warm = new Map<number, number>();
    const cold = new Map<number, number>();
    for (const b of this.live(this.windowMs)) {
      for (const [i, n] of b.warm) bump(warm, i, n);
      for (const [i, n] of b.cold) bump(cold, i, n);
    }
    const shares = new Map<number, WarmShare>();
    for (const invoker of new Set([...warm.keys(), ...cold.keys()])) {
      const w = warm.get(invoker) ?? 0;
      const c = cold.get(invoker) ?? 0;
      shares.set(invoker, { warm: w, cold: c, share: w + c === 0 ? undefined : w / (w + c) });
    }
    return shares;
  }

  /** The most used colors in the window, most activations first (ties by color). */
  topColors(namespace: string | undefined, n: number): ColorCount[] {
    const counts = new Map<string, number>();
    for (const b of this.live(this.windowMs)) for (const [k, c] of b.colors) bump(counts, k, c);
    const rows: ColorCount[] = [];
    for (const [key, activations] of counts) {
      const cut = key.indexOf('\0');
      const ns = key.slice(0, cut);
      if (namespace === undefined || ns === namespace)
        rows.push({ namespace: ns, color: key.slice(cut + 1), activations });
    }
    rows.sort(
      (a, b) => b.activations - a.activations || (a.color < b.color ? -1 : a.color > b.color ? 1 : 0),
    );
    return rows.slice(0, n);
  }

  /** Recent activations, newest placement first. */
  recent(filter: RecentFilter): RecentActivation[] {
    const found: RecentActivation[] = [];
    for (let i = this.ring.length - 1; i >= this.ringStart && found.length < filter.limit; i--) {
      const e = this.ring[i]!;
      if (filter.namespace !== undefined && e.namespace !== filter.namespace) continue;
      if (filter.color !== undefined && e.color !== filter.color) continue;
      if (filter.action !== undefined && !e.action.includes(filter.action)) continue;
      found.push({ ...e });
    }
    return found;
  }

  private remember(entry: RecentActivation): void {
    const previous = this.byId.get(entry.activationId);
    if (previous) previous.status = 'done';
    this.ring.push(entry);
    this.byId.set(entry.activationId, entry);
    while (this.ring.length - this.ringStart > this.maxRecent) {
      const old = this.ring[this.ringStart++]!;
      if (this.byId.get(old.activationId) === old) this.byId.delete(old.activationId);
    }
    // Compact now and then, so the array does not keep every entry ever pushed.
    if (this.ringStart > this.maxRecent) {
      this.ring.splice(0, this.ringStart);
      this.ringStart = 0;
    }
  }

  /** The bucket of the current second (created, and the expired ones dropped, as time moves). */
  private bucket(): Bucket {
    const second = Math.floor(this.now() / 1000);
    const last = this.buckets[this.buckets.length - 1];
    // A clock that steps back keeps counting into the newest bucket.
    if (last && last.second >= second) return last;
    this.prune(second);
    const bucket: Bucket = {
      second,
      placed: 0,
      spilled: 0,
      forced: 0,
      byPolicy: new Map(),
      warm: new Map(),
      cold: new Map(),
      colors: new Map(),
    };
    this.buckets.push(bucket);
    return bucket;
  }

  private prune(second: number): void {
    const oldest = second - Math.ceil(this.windowMs / 1000) + 1;
    let drop = 0;
    while (drop < this.buckets.length && this.buckets[drop]!.second < oldest) drop++;
    if (drop > 0) this.buckets.splice(0, drop);
  }

  /** Buckets inside the last `spanMs` (whole seconds, the current one included). */
  private live(spanMs: number): Bucket[] {
    const second = Math.floor(this.now() / 1000);
    this.prune(second);
    const oldest = second - Math.ceil(spanMs / 1000) + 1;
    return this.buckets.filter((b) => b.second >= oldest && b.second <= second);
  }
}
