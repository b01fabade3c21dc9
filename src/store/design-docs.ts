/**
 * The design documents the stores query. The OpenWhisk ones carry OpenWhisk's names and emit the
 * same keys and values as OpenWhisk's (ansible/files/*design_document*), so a real deployment's
 * existing views answer our queries and ours answer OpenWhisk's. They are written here from the
 * behaviour described in research/openwhisk-wire.md §5. All views are plain JavaScript map
 * functions with built-in reduces, which pouchdb-server supports as CouchDB does.
 */
import type { DatabaseKey } from './database-names.js';

export interface DesignDocument {
  readonly _id: string;
  readonly language: 'javascript';
  readonly views: Record<string, { map: string; reduce?: string }>;
  /** Palette's own (kept up to date) rather than OpenWhisk's (installed only if missing). */
  readonly ours?: boolean;
}

export const ddocNames = {
  subjects: 'subjects.v2.0.0',
  whisks: 'whisks.v2.1.0',
  activationFilters: 'whisks-filters.v2.1.1',
  placements: 'palette.v1',
} as const;

/** subjects.v2.0.0/identities: [name] and [uuid, key] for each namespace of an unblocked subject. */
const identities = `function (doc) {
  if (!doc.namespaces || doc.blocked) return;
  doc.namespaces.forEach(function (ns) {
    var value = { _id: ns.name + '/limits', namespace: ns.name, uuid: ns.uuid, key: ns.key };
    emit([ns.name], value);
    emit([ns.uuid, ns.key], value);
  });
}`;

/**
 * whisks.v2.1.0/actions: the ActionMeta summary (src/protocol/views.ts) under [namespace, updated]
 * and [root ns, updated].
 */
const actions = `function (doc) {
  if (doc.exec === undefined) return;
  try {
    var root = doc.namespace.split('/')[0];
    var summary = {
      namespace: doc.namespace, name: doc.name, version: doc.version, publish: doc.publish,
      annotations: doc.annotations, limits: doc.limits,
      exec: { binary: doc.exec.binary || false }, updated: doc.updated
    };
    emit([doc.namespace, doc.updated], summary);
    if (root !== doc.namespace) emit([root, doc.updated], summary);
  } catch (e) {}
}`;

/** whisks.v2.1.0/packages: packages and bindings under [namespace, updated] (OpenWhisk's map, verbatim in effect). */
const packages = `function (doc) {
  if (doc.binding === undefined) return;
  try {
    var value = {
      namespace: doc.namespace, name: doc.name, version: doc.version, publish: doc.publish,
      annotations: doc.annotations, updated: doc.updated
    };
    value.binding = Object.keys(doc.binding).length > 0 ? doc.binding : false;
    emit([doc.namespace, doc.updated], value);
  } catch (e) {}
}`;

/** whisks.v2.1.0/packages-public: published packages (never bindings) under [namespace, updated]. */
const publicPackages = `function (doc) {
  if (doc.binding === undefined) return;
  try {
    if (Object.keys(doc.binding).length !== 0 || !doc.publish) return;
    var value = {
      namespace: doc.namespace, name: doc.name, version: doc.version, publish: doc.publish,
      annotations: doc.annotations, updated: doc.updated, binding: false
    };
    emit([doc.namespace, doc.updated], value);
  } catch (e) {}
}`;

/**
 * whisks.v2.1.0/triggers and /rules: OpenWhisk's maps (a trigger is an entity with parameters but no
 * exec and no binding; a rule is one with a trigger), summary under [namespace, updated] and
 * [root namespace, updated].
 */
const entitySummary = (test: string): string => `function (doc) {
  if (!(${test})) return;
  try {
    var root = doc.namespace.split('/')[0];
    var value = {
      namespace: doc.namespace, name: doc.name, version: doc.version, publish: doc.publish,
      annotations: doc.annotations, updated: doc.updated
    };
    emit([doc.namespace, doc.updated], value);
    if (root !== doc.namespace) emit([root, doc.updated], value);
  } catch (e) {}
}`;
const triggers = entitySummary(
  'doc.exec === undefined && doc.binding === undefined && doc.parameters !== undefined',
);
const rules = entitySummary('doc.trigger !== undefined');

/** The ActivationBrief summary (src/protocol/views.ts) shared by both activation views. */
const activationSummary = `
  var end = doc.end !== 0 ? doc.end : undefined;
  var summary = {
    namespace: doc.namespace, name: doc.name, version: doc.version, publish: doc.publish,
    annotations: doc.annotations, activationId: doc.activationId, start: doc.start, end: end,
    duration: end !== undefined ? end - doc.start : undefined, cause: doc.cause,
    statusCode: (end !== undefined && doc.response && doc.response.statusCode !== undefined) ? doc.response.statusCode : undefined
  };`;

/** whisks.v2.1.0/activations: [namespace, start]. */
const activations = `function (doc) {
  if (doc.activationId === undefined) return;
  try {${activationSummary}
    emit([doc.namespace, doc.start], summary);
  } catch (e) {}
}`;

/**
 * whisks-filters.v2.1.1/activations: [namespace/filter, start] where filter is the package and
 * action name when the activation came through a binding or a packaged action, else the name.
 */
const activationsByName = `function (doc) {
  if (doc.activationId === undefined) return;
  try {${activationSummary}
    var annotation = function (key) {
      var list = doc.annotations || [];
      for (var i = 0; i < list.length; i++) if (list[i].key === key) return list[i].value;
      return undefined;
    };
    var binding = annotation('binding');
    var path = annotation('path');
    var filter = doc.name;
    if (binding !== undefined) {
      filter = String(binding).split('/')[1] + '/' + doc.name;
    } else if (path !== undefined) {
      var parts = String(path).split('/');
      if (parts.length === 3) filter = parts[1] + '/' + doc.name;
    }
    emit([doc.namespace + '/' + filter, doc.start], summary);
  } catch (e) {}
}`;

/**
 * namespaceThrottlings/blockedNamespaces: OpenWhisk's own view (ansible/files/
 * namespace_throttlings_design_document_for_subjects_db.json), which real invokers poll as their
 * namespace blacklist: a namespace whose limits doc allows 0 concurrent invocations or 0 per minute.
 */
const blockedNamespaces = `function (doc) {
  if (doc._id.indexOf("/limits") >= 0) {
    if (doc.concurrentInvocations === 0 || doc.invocationsPerMinute === 0) {
      var namespace = doc._id.replace("/limits", "");
      emit(namespace, 1);
    }
  }
}`;

/** palette.v1/byColor: activation ids of a namespace by [namespace, color, time]. */
const placementsByColor = `function (doc) {
  if (typeof doc.activationId === 'string' && typeof doc.color === 'string' && typeof doc.namespace === 'string') {
    emit([doc.namespace, doc.color, doc.time], null);
  }
}`;

export const designDocuments: Record<DatabaseKey, readonly DesignDocument[]> = {
  subjects: [
    {
      _id: `_design/${ddocNames.subjects}`,
      language: 'javascript',
      views: { identities: { map: identities } },
    },
    {
      _id: '_design/namespaceThrottlings',
      language: 'javascript',
      views: { blockedNamespaces: { map: blockedNamespaces, reduce: '_sum' } },
    },
  ],
  whisks: [
    {
      _id: `_design/${ddocNames.whisks}`,
      language: 'javascript',
      views: {
        actions: { map: actions, reduce: '_count' },
        packages: { map: packages, reduce: '_count' },
        'packages-public': { map: publicPackages, reduce: '_count' },
        triggers: { map: triggers, reduce: '_count' },
        rules: { map: rules, reduce: '_count' },
      },
    },
  ],
  activations: [
    {
      _id: `_design/${ddocNames.whisks}`,
      language: 'javascript',
      views: { activations: { map: activations, reduce: '_count' } },
    },
    {
      _id: `_design/${ddocNames.activationFilters}`,
      language: 'javascript',
      views: { activations: { map: activationsByName, reduce: '_count' } },
    },
  ],
  colors: [],
  placements: [
    {
      _id: `_design/${ddocNames.placements}`,
      language: 'javascript',
      views: { byColor: { map: placementsByColor, reduce: '_count' } },
      ours: true,
    },
  ],
};
