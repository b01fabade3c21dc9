/**
 * The one place that reads environment variables. Every variable is listed, with its default,
 * in the README's "Configuration" table; DECISIONS.md fixed the names.
 */
import { z } from 'zod';
import { policyNames } from '../balancer/types.js';
import type { MessageBusOptions } from '../messaging/index.js';
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
  /** Trigger fires per minute and namespace (R11); 0 blocks. */
  limitFiresPerMinute: intFrom(0).default(60_000),
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
  limitFiresPerMinute: 'PALETTE_LIMIT_FIRES_PER_MINUTE',
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
