/**
 * The dashboard reads `palette_colors_per_invoker` as the controller keeps it (R23).
 */
import { describe, expect, it } from 'vitest';
import { ControllerMetrics } from '../../../src/controller/metrics.js';
import { colorsPerInvoker } from '../../../src/platform/dashboard-adapter.js';

describe('colorsPerInvoker', () => {
  it('answers the gauge by invoker number', async () => {
    const metrics = new ControllerMetrics();
    expect(await colorsPerInvoker(metrics)).toEqual(new Map());
    metrics.colorsPerInvoker.inc({ invoker: '0' }, 3);
    metrics.colorsPerInvoker.inc({ invoker: '2' });
    metrics.colorsPerInvoker.inc({ invoker: '2' });
    expect(await colorsPerInvoker(metrics)).toEqual(
      new Map([
        [0, 3],
        [2, 2],
      ]),
    );
  });
});
