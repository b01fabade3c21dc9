/**
 * platform/invoker-main.ts as its own OS process over the real Kafka broker (test global setup)
 * and CouchDB: it pings, runs an activation with OpenWhisk's acks, and stops cleanly on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KafkaBus } from '../../../src/messaging/kafka-bus.js';
import { topics } from '../../../src/messaging/bus.js';
import {
  activationMessage,
  defaultActionLimits,
  newActivationId,
  newTransactionId,
  parseAcknowledgement,
  parsePing,
  serializeActivationMessage,
  type Acknowledgement,
  type PingMessage,
} from '../../../src/protocol/index.js';
import { connectCouch, type CouchConnection } from '../../../src/store/couch.js';
import { kafkaBrokers, testLogger, uniqueTopicPrefix } from '../kafka/support.js';

const controllerId = 'palette9';
const prefix = uniqueTopicPrefix('invoker-process');
const dbPrefix = `invp_${randomBytes(4).toString('hex')}_`;
let bus: KafkaBus;
let couch: CouchConnection;
let child: ChildProcess;
const acks: Acknowledgement[] = [];
const pings: PingMessage[] = [];
let stderr = '';

beforeAll(async () => {
  const couchUrl = process.env.COUCHDB_URL;
  if (!couchUrl)
    throw new Error('COUCHDB_URL is not set: the integration global setup starts pouchdb-server');
  couch = await connectCouch({ url: couchUrl, prefix: dbPrefix });
  bus = new KafkaBus({ brokers: kafkaBrokers(), topicPrefix: prefix, logger: testLogger() });
  await bus.ensureTopic(topics.health, 'health');
  await bus.ensureTopic(topics.completed(controllerId), 'completed');
  await bus.subscribe(topics.health, `health${controllerId}`, async (v) => void pings.push(parsePing(v)));
  await bus.subscribe(
    topics.completed(controllerId),
    `completed${controllerId}`,
    async (v) => void acks.push(parseAcknowledgement(v)),
  );
  child = spawn(process.execPath, ['--import', 'tsx', 'src/platform/invoker-main.ts'], {
    env: {
      ...process.env,
      PALETTE_INVOKER_ID: '5',
      PALETTE_INVOKER_NAME: 'proc-invoker-5',
      PALETTE_INVOKER_MEMORY_MB: '256',
      KAFKA_TOPIC_PREFIX: prefix,
      DB_PREFIX: dbPrefix,
      PALETTE_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await bus?.close();
});

describe('invoker process (Kafka)', () => {
  it('pings health with its identity', async () => {
    await vi.waitFor(() => expect(pings.length).toBeGreaterThan(0), { timeout: 60_000, interval: 100 });
    expect(pings[0]!.name).toEqual({
      instance: 5,
      userMemory: '268435456 B',
      instanceType: 'invoker',
      // Palette's invokers run Node.js only (R10).
      tags: ['palette-nodejs'],
      dedicatedNamespaces: [],
      uniqueName: 'proc-invoker-5',
    });
  }, 70_000);

  it('runs a blocking activation with a result then a completion ack', async () => {
    const put = await couch.db('whisks').insert({
      _id: 'guest/p',
      entityType: 'action',
      updated: Date.now(),
      namespace: 'guest',
      name: 'p',
      version: '0.0.1',
      publish: false,
      exec: {
        kind: 'nodejs:20',
        code: 'function main(p) { return { invoker: process.env.PALETTE_INVOKER_ID, x: p.x }; }',
        binary: false,
      },
      parameters: [],
      limits: { ...defaultActionLimits },
      annotations: [],
    });
    const activationId = newActivationId();
    const message = activationMessage({
      transid: newTransactionId(Date.now()),
      action: { path: 'guest', name: 'p', version: '0.0.1' },
      revision: put.rev,
      user: {
        subject: 'guest',
        namespace: { name: 'guest', uuid: 'u' },
        authkey: { api_key: 'u:k' },
        rights: [],
        limits: {},
      },
      activationId,
      controllerId,
      blocking: true,
      content: { x: 42 },
    });
    await bus.send(topics.invoker(5), [serializeActivationMessage(message)]);
    await vi.waitFor(() => expect(acks.length).toBe(2), { timeout: 30_000, interval: 50 });
    expect(acks.map((a) => a.kind)).toEqual(['result', 'completion']);
    const result = acks[0]!;
    if (result.kind !== 'result' || typeof result.message.response === 'string')
      throw new Error('expected a full result');
    expect(result.message.response.response.result).toEqual({ invoker: '5', x: 42 });
  }, 40_000);

  it('exits 0 on SIGTERM and stops pinging', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const count = pings.length;
    await new Promise((r) => setTimeout(r, 2500));
    expect(pings.length).toBeLessThanOrEqual(count + 1);
    expect(stderr).not.toMatch(/error/i);
  }, 30_000);
});
