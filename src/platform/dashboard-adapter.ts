/**
 * What the dashboard reads of the controller's metrics: `palette_colors_per_invoker` as already
 * defined (R23), by invoker number.
 */
import type { ControllerMetrics } from '../controller/metrics.js';

export async function colorsPerInvoker(metrics: ControllerMetrics): Promise<Map<number, number>> {
  const colors = new Map<number, number>();
  for (const { labels, value } of (await metrics.colorsPerInvoker.get()).values) {
    const invoker = Number(labels.invoker);
    if (Number.isInteger(invoker)) colors.set(invoker, value);
  }
  return colors;
}
