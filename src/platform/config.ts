/**
 * The one place that reads environment variables. Every variable is listed, with its default,
 * in the README's "Configuration" table; DECISIONS.md fixed the names.
 */
import { z } from 'zod';
import { policyNames } from '../balancer/types.js';
import type { MessageBusOptions } from '../messaging/index.js';
import { parseRuntimesManifest } from '../protocol/index.js';
import type { CouchOptions } from '../store/couch.js';

const controllerId = z
  .string()
  .regex(/^[a-zA-Z0-9._-]+$/, 'PALETTE_CONTROLLER_ID must match [a-zA-Z0-9._-]+')
  .max(128, 'PALETTE_CONTROLLER_ID must be at most 128 characters');

const policy = z.enum(policyNames, {
  errorMap: () => ({ message: `must be one of ${policyNames.join(', ')}` }),
});

const intFrom = (min: number) => z.coerce.number().int().min(min);

const configSchema = z.object({
  port: intFrom(0).max(65535).default(3233),
  /** Where the REST API listens (R24): loopback unless a container must be reached from outside. */
  host: z.string().min(1).default('127.0.0.1'),
  controllerId: controllerId.default('palette0'),
  policy: policy.default('consistent-hash'),
  baseline: policy.default('openwhisk-sharding'),
  bound: z.coerce.number().min(0).default(1.25),
  boundFloor: intFrom(0).default(2),
  /**
   * Hot-color replication (R21): a color above PALETTE_BOUND x the mean invoker's rate gets k homes,
   * used only while its first home is over the bounded-loads bound. On by default: measured, it
   * never costs hit ratio at low skew (results/social/replication-skew.md).
   */
  replication: z.enum(['off', 'on']).default('on'),
  replicationMax: intFrom(1).default(4),
  kafkaBrokers: z
    .string()
    .optional()
    .transform((s) =>
      s
        ? s
            .split(',')
            .map((b) => b.trim())
            .filter(Boolean)
        : undefined,
    ),
  kafkaTopicPrefix: z.string().default(''),
  couchdbUrl: z.string().url().optional(),
  couchdbUser: z.string().optional(),
  couchdbPassword: z.string().optional(),
  dbPrefix: z.string().default('whisk_local_'),
  invokers: intFrom(1).default(4),
  dataDir: z.string().optional(),
  invokerGoneSeconds: intFrom(1).default(300),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
  /** Invoker-side: its number, its unique name and the memory it offers to user containers. */
  invokerId: intFrom(0).optional(),
  invokerName: z.string().optional(),
  invokerUserMemoryMB: intFrom(128).default(2048),
  /** Invoker-side: the REST API its actions may call back (__OW_API_HOST); default this host's PALETTE_PORT. */
  apiHost: z.string().url().optional(),
  /** Controller replicas sharing each invoker's capacity (OpenWhisk's clusterSize). */
  controllerReplicas: intFrom(1).default(1),
  /** Per namespace, unless its `<namespace>/limits` document says otherwise (R11); 0 blocks. */
  limitInvokesPerMinute: intFrom(0).default(600_000),
  limitConcurrentInvokes: intFrom(0).default(10_000),
  /** OpenWhisk's runtime manifest as JSON text (R10); default the pinned commit's runtimes.json. */
  runtimesManifest: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return undefined;
      try {
        return parseRuntimesManifest(text);
      } catch (err) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: (err as Error).message });
        return z.NEVER;
      }
    }),
  /** OpenWhisk's blackbox fraction (R10): the share of invokers kept for blackbox actions; 0 = no split. */
  blackboxFraction: z.coerce.number().min(0).max(1).default(0),
  /** Trigger fires per minute and namespace (R11); 0 blocks. */
  limitFiresPerMinute: intFrom(0).default(60_000),
  /** R25: how long a document's last good copy may serve while CouchDB is unreachable; 0 turns it off. */
  staleIfErrorSeconds: intFrom(0).default(300),
  /** R25: documents (records, placements, colors) kept per process while CouchDB cannot take them. */
  writeQueueMax: intFrom(1).default(100_000),
  /** palette_stage_seconds (R13); `off` exists only to measure what the timing costs. */
  stageTiming: z.enum(['on', 'off']).default('on'),
  /** Invoker-side: where palette_invoker_stage_seconds is served (/metrics); unset = not served. */
  invokerMetricsPort: intFrom(1).max(65535).optional(),
  /** How long an entry point waits at start for CouchDB and Kafka to answer before it gives up (R26). */
  connectTimeoutSeconds: intFrom(1).default(10),
});

export type Config = z.infer<typeof configSchema>;

const envNames: Record<keyof Config, string> = {
  port: 'PALETTE_PORT',
  host: 'PALETTE_HOST',
  controllerId: 'PALETTE_CONTROLLER_ID',
  policy: 'PALETTE_POLICY',
  baseline: 'PALETTE_BASELINE',
  bound: 'PALETTE_BOUND',
  boundFloor: 'PALETTE_BOUND_FLOOR',
  replication: 'PALETTE_REPLICATION',
  replicationMax: 'PALETTE_REPLICATION_MAX',
  kafkaBrokers: 'KAFKA_BROKERS',
  kafkaTopicPrefix: 'KAFKA_TOPIC_PREFIX',
  couchdbUrl: 'COUCHDB_URL',
  couchdbUser: 'COUCHDB_USER',
  couchdbPassword: 'COUCHDB_PASSWORD',
  dbPrefix: 'DB_PREFIX',
  invokers: 'PALETTE_INVOKERS',
  dataDir: 'PALETTE_DATA_DIR',
  invokerGoneSeconds: 'PALETTE_INVOKER_GONE_S',
  logLevel: 'PALETTE_LOG_LEVEL',
  invokerId: 'PALETTE_INVOKER_ID',
  invokerName: 'PALETTE_INVOKER_NAME',
  invokerUserMemoryMB: 'PALETTE_INVOKER_MEMORY_MB',
  apiHost: 'PALETTE_API_HOST',
  controllerReplicas: 'PALETTE_CONTROLLER_REPLICAS',
  limitInvokesPerMinute: 'PALETTE_LIMIT_INVOKES_PER_MINUTE',
  limitConcurrentInvokes: 'PALETTE_LIMIT_CONCURRENT_INVOKES',
  limitFiresPerMinute: 'PALETTE_LIMIT_FIRES_PER_MINUTE',
  runtimesManifest: 'RUNTIMES_MANIFEST',
  blackboxFraction: 'PALETTE_BLACKBOX_FRACTION',
  staleIfErrorSeconds: 'PALETTE_STALE_IF_ERROR_SECONDS',
  writeQueueMax: 'PALETTE_WRITE_QUEUE_MAX',
  stageTiming: 'PALETTE_STAGE_TIMING',
  invokerMetricsPort: 'PALETTE_INVOKER_METRICS_PORT',
  connectTimeoutSeconds: 'PALETTE_CONNECT_TIMEOUT_S',
};

export class ConfigError extends Error {}

/** Reads the configuration from `env` (default: process.env); throws ConfigError naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const raw: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(envNames)) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => {
      const key = i.path[0] as keyof Config;
      return `${envNames[key] ?? String(key)}: ${i.message}`;
    });
    throw new ConfigError(`invalid configuration: ${issues.join('; ')}`);
  }
  return { ...parsed.data, ...overrides };
}

/** The messaging factory's options from the configuration (Kafka when KAFKA_BROKERS is set). */
export function messageBusOptions(config: Config): MessageBusOptions {
  return { brokers: config.kafkaBrokers, topicPrefix: config.kafkaTopicPrefix, logLevel: config.logLevel };
}

/** CouchDB connection options from the configuration; `url` (the embedded server's) wins over COUCHDB_URL. */
export function couchOptionsFrom(
  config: Pick<Config, 'couchdbUrl' | 'couchdbUser' | 'couchdbPassword' | 'dbPrefix'>,
  url?: string,
): CouchOptions {
  const resolved = url ?? config.couchdbUrl;
  if (!resolved)
    throw new ConfigError('no CouchDB URL: set COUCHDB_URL or start the embedded pouchdb-server');
  return {
    url: resolved,
    user: config.couchdbUser,
    password: config.couchdbPassword,
    prefix: config.dbPrefix,
  };
}
