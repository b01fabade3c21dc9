/**
 * One dashboard snapshot: what `/palette/v1/namespaces/{ns}/dashboard` answers and its event
 * stream sends (R12, R23). Platform-wide panels are aggregates over every namespace (invoker
 * health, in-flight counts from the controller's own book, colors per invoker, rates, off-home
 * share); the lists (top colors, recent activations) hold the caller's namespace only, or every
 * namespace for a `whisk.system` key asking for `_`.
 */
import type { InvokerHealthEntry } from '../../controller/types.js';
import type { InFlightPort } from '../routes/palette.js';
import { invokerLabel, shownStatus } from '../system.js';
import type { DashboardActivity, RecentActivation } from './activity.js';

export interface DashboardPorts {
  readonly activity: DashboardActivity;
  readonly invokerHealth: () => InvokerHealthEntry[];
  readonly inFlight: InFlightPort;
  /** `palette_colors_per_invoker`, by invoker. */
  readonly colorsPerInvoker: () => Promise<Map<number, number>>;
  readonly controllerId: string;
}

export interface DashboardScope {
  /** The namespace whose lists are shown; undefined: every namespace. */
  readonly namespace: string | undefined;
  readonly color?: string;
  readonly action?: string;
  /** Recent activations listed (1..200). */
  readonly limit: number;
}

export interface InvokerPanel {
  readonly id: number;
  readonly name: string;
  /** OpenWhisk's `/invokers` words: up, unhealthy, unresponsive, down. */
  readonly status: string;
  readonly userMemoryMB: number;
  /** This controller's in-flight activations on it (all namespaces). */
  readonly inFlight: number;
  /** `palette_colors_per_invoker`. */
  readonly colors: number;
  /** Acknowledged records in the window without `initTime` (warm) and with it (cold). */
  readonly warm: number;
  readonly cold: number;
  /** warm / (warm + cold), or null when none was acknowledged in the window. */
  readonly warmShare: number | null;
}

export interface DashboardSnapshot {
  readonly time: number;
  readonly controller: string;
  /** Whose lists these are: a namespace, or `*` for every namespace. */
  readonly namespace: string;
  readonly windowSeconds: number;
  readonly rateWindowSeconds: number;
  readonly invokers: InvokerPanel[];
  readonly inFlight: number;
  readonly ratesByPolicy: Record<string, number>;
  readonly offHome: { placed: number; spilled: number; forced: number; share: number };
  readonly topColors: { color: string; namespace: string; activations: number }[];
  readonly activations: (RecentActivation & { logs: string })[];
}

export const topColorCount = 10;

/** Where the activation's logs are read: OpenWhisk's own route, in the activation's namespace. */
export function logsPath(namespace: string, activationId: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/activations/${activationId}/logs`;
}

export async function dashboardSnapshot(
  ports: DashboardPorts,
  scope: DashboardScope,
  now = Date.now(),
): Promise<DashboardSnapshot> {
  const { activity } = ports;
  const inFlightBy = new Map<number, number>();
  const inFlight = ports.inFlight.inFlight();
  for (const e of inFlight) inFlightBy.set(e.invoker, (inFlightBy.get(e.invoker) ?? 0) + 1);
  const colors = await ports.colorsPerInvoker();
  const warmth = activity.warmByInvoker();
  const invokers = ports
    .invokerHealth()
    .map((entry): InvokerPanel => {
      const warm = warmth.get(entry.id);
      return {
        id: entry.id,
        name: invokerLabel(entry),
        status: shownStatus[entry.status],
        userMemoryMB: entry.userMemoryMB,
        inFlight: inFlightBy.get(entry.id) ?? 0,
        colors: colors.get(entry.id) ?? 0,
        warm: warm?.warm ?? 0,
        cold: warm?.cold ?? 0,
        warmShare: warm?.share ?? null,
      };
    })
    .sort((a, b) => a.id - b.id);
  const filter = {
    ...(scope.namespace !== undefined ? { namespace: scope.namespace } : {}),
    ...(scope.color !== undefined ? { color: scope.color } : {}),
    ...(scope.action !== undefined ? { action: scope.action } : {}),
    limit: scope.limit,
  };
  return {
    time: now,
    controller: ports.controllerId,
    namespace: scope.namespace ?? '*',
    windowSeconds: activity.windowMs / 1000,
    rateWindowSeconds: activity.rateWindowMs / 1000,
    invokers,
    inFlight: inFlight.length,
    ratesByPolicy: Object.fromEntries(activity.ratesByPolicy()),
    offHome: activity.offHome(),
    topColors: activity.topColors(scope.namespace, topColorCount),
    activations: activity.recent(filter).map((a) => ({ ...a, logs: logsPath(a.namespace, a.activationId) })),
  };
}
