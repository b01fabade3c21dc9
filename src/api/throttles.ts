/**
 * The API's throttle checks (OpenWhisk's EntitlementProvider.checkThrottles), answering 429 with
 * OpenWhisk's messages:
 * - `admitInvoke` before an action is activated (REST invoke, web action, each action a trigger
 *   fire starts): invocations per minute, then concurrent invocations. A sequence is admitted once,
 *   as OpenWhisk's; its components are not charged but count as in flight while they run.
 * - `admitFire` before a trigger fires: fires per minute.
 * The identity is the one the activation runs as: the caller, or the owner of a web action or of
 * a fired trigger. Its limits come with it (the identities view joins `<namespace>/limits`, and
 * identities are cached), so no check reads the store.
 */
import type { Identity } from '../protocol/index.js';
import { ApiError } from './errors.js';
import {
  concurrentVerdict,
  effectiveLimits,
  individualLimit,
  MinuteRateThrottle,
  tooManyConcurrentRequests,
  tooManyRequests,
  type ThrottleLimits,
} from './limits.js';
import type { InFlightCountPort } from './ports.js';

/** R11's `npm start` defaults (PALETTE_LIMIT_*). */
export const defaultThrottleLimits: ThrottleLimits = {
  invocationsPerMinute: 600_000,
  concurrentInvocations: 10_000,
  firesPerMinute: 60_000,
};

export interface ThrottleConfig {
  /** Per namespace, before a namespace's own limits document. */
  readonly defaults: ThrottleLimits;
  /** Controller replicas each limit is split between (OpenWhisk's clusterSize). */
  readonly replicas: number;
}

export interface Throttles {
  /** Throws the 429 ApiError when `user` may not start another activation now. */
  admitInvoke(user: Identity): void;
  /** Throws the 429 ApiError when `user` may not fire another trigger this minute. */
  admitFire(user: Identity): void;
  /** The namespace's limits before the replica split (what `GET .../limits` shows). */
  limitsOf(user: Identity): ThrottleLimits;
}

export function throttles(
  config: ThrottleConfig,
  inFlight: InFlightCountPort,
  now: () => number = Date.now,
): Throttles {
  const invokes = new MinuteRateThrottle(now);
  const fires = new MinuteRateThrottle(now);
  // Identities are cached objects, so their documents are read once, not on every invoke.
  const read = new WeakMap<object, ThrottleLimits>();
  const limitsOf = (user: Identity): ThrottleLimits => {
    let limits = read.get(user.limits);
    if (!limits) read.set(user.limits, (limits = effectiveLimits(config.defaults, user.limits)));
    return limits;
  };
  const share = (limit: number) => individualLimit(limit, config.replicas);

  return {
    limitsOf,
    admitInvoke(user) {
      const limits = limitsOf(user);
      const rate = invokes.check(user.namespace.uuid, share(limits.invocationsPerMinute));
      if (!rate.ok) throw new ApiError(429, tooManyRequests(rate.count, rate.allowed));
      const running = inFlight.activeActivationsFor(user.namespace.name);
      const concurrent = concurrentVerdict(running, share(limits.concurrentInvocations));
      if (!concurrent.ok)
        throw new ApiError(429, tooManyConcurrentRequests(concurrent.count, concurrent.allowed));
    },
    admitFire(user) {
      const rate = fires.check(user.namespace.uuid, share(limitsOf(user).firesPerMinute));
      if (!rate.ok) throw new ApiError(429, tooManyRequests(rate.count, rate.allowed));
    },
  };
}
