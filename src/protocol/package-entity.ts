/**
 * Packages and bindings as the whisks database holds them (OpenWhisk's WhiskPackage.scala): one
 * type for the API that makes them and the store that keeps them.
 */
import type { KeyValue } from './primitives.js';

/** The package a binding points at. */
export interface BindingRef {
  namespace: string;
  name: string;
}

/** A package or binding document; fields beyond these are kept as they are. */
export interface PackageDocument {
  _id: string;
  _rev?: string;
  entityType: 'package';
  namespace: string;
  name: string;
  /** `{}` for a package (OpenWhisk writes it so), the bound package for a binding. */
  binding: BindingRef | Record<string, never>;
  parameters: KeyValue[];
  version: string;
  publish: boolean;
  annotations: KeyValue[];
  updated: number;
  [k: string]: unknown;
}

/** The `packages` view's value: OpenWhisk's package summary (`binding` is false for a package). */
export interface PackageSummary {
  namespace: string;
  name: string;
  version: string;
  publish: boolean;
  annotations: KeyValue[];
  updated: number;
  binding: BindingRef | false;
}
