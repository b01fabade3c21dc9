/**
 * OpenWhisk's view values: what its CouchDB views emit for a listing, and what its REST API returns
 * for `GET .../actions` and `GET .../activations`. The views are ours to write
 * (src/store/design-docs.ts) but their shape is OpenWhisk's (WhiskAction's and WhiskActivation's
 * `summaryAsJson`), so the one definition lives here, shared by the store that reads the views and
 * the API that serves them. Not validated when read: the values come from our own views.
 */
import type { ActionLimits, KeyValue } from './primitives.js';

/** The `whisks.v2.1.0/actions` view value: an action without code or parameters. */
export interface ActionMeta {
  namespace: string;
  name: string;
  version: string;
  publish: boolean;
  annotations: KeyValue[];
  limits: ActionLimits;
  exec: { binary: boolean };
  updated: number;
}

/**
 * The activations views' value (swagger ActivationBrief). `version`, `publish` and `annotations`
 * are required as in every WhiskActivation; `end`, `duration` and `statusCode` are absent while an
 * activation has not ended (its `end` is 0).
 */
export interface ActivationBrief {
  namespace: string;
  name: string;
  version: string;
  publish: boolean;
  annotations: KeyValue[];
  activationId: string;
  start: number;
  end?: number;
  duration?: number;
  cause?: string;
  statusCode?: number;
}
