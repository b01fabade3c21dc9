/**
 * A scripted invoker on the in-process bus, for unit tests of the controller core only (DECISIONS:
 * a test double of an invoker never counts toward an end-to-end claim). It reads its `invoker<N>`
 * topic, pings on demand, and answers each activation the way the test says: one combined ack, a
 * result then a completion (or the reverse), a shrunk ack carrying only the id, or silence.
 */
import type { MessageBus, Subscription } from '../../src/messaging/bus.js';
import { topics } from '../../src/messaging/bus.js';
import {
  acks,
  invokerHealthTid,
  invokerInstanceId,
  parseActivationMessage,
  pingMessage,
  serializeAcknowledgement,
  type ActivationMessage,
  type InvokerInstanceId,
  type WhiskActivation,
} from '../../src/protocol/index.js';

export type AckScript =
  | 'combined'
  | 'result-then-completion'
  | 'completion-then-result'
  | 'shrunk'
  /** The result only; the completion waits in `held` until the test calls `complete`. */
  | 'result'
  | 'silent';

export interface FakeInvokerOptions {
  id: number;
  userMemoryMB?: number;
  /** How to answer a user activation; default 'combined'. Health test actions always succeed. */
  script?: (message: ActivationMessage) => AckScript;
  /** Never answers health test actions, so the invoker stays unhealthy. */
  ignoreHealthTests?: boolean;
  /** The response of a user activation; default: success with `{echoed: content}`. */
  respond?: (message: ActivationMessage) => WhiskActivation['response'];
  /** The tags of its InvokerInstanceId (Palette's invokers: `palette-nodejs`); default none. */
  tags?: string[];
}

export class FakeInvoker {
  readonly instance: InvokerInstanceId;
  /** User activations received, in order (health tests excluded). */
  readonly received: ActivationMessage[] = [];
  /** Activations it held back ('silent'), so a test can answer them late. */
  readonly held: ActivationMessage[] = [];
  private subscription: Subscription | undefined;

  constructor(
    private readonly bus: MessageBus,
    private readonly options: FakeInvokerOptions,
  ) {
    this.instance = invokerInstanceId(
      options.id,
      options.userMemoryMB ?? 1024,
      `fake-${options.id}`,
      options.tags ?? [],
    );
  }

  async start(): Promise<this> {
    const topic = topics.invoker(this.options.id);
    await this.bus.ensureTopic(topic, 'invoker');
    this.subscription = await this.bus.subscribe(topic, topic, async (value) => this.handle(value));
    return this;
  }

  async ping(enabled = true): Promise<void> {
    await this.bus.send(topics.health, [JSON.stringify(pingMessage(this.instance, enabled))]);
  }

  /** Sends the completion of a held activation now (a late invoker). */
  async complete(message: ActivationMessage, isSystemError = false): Promise<void> {
    await this.send(message, [
      acks.completion(message.transid, message.activationId, this.instance, isSystemError),
    ]);
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
  }

  private async handle(value: string): Promise<void> {
    const message = parseActivationMessage(value);
    const activation = this.activation(message);
    if (message.transid[0] === invokerHealthTid) {
      if (this.options.ignoreHealthTests === true) return;
      await this.send(message, [
        acks.completion(message.transid, message.activationId, this.instance, false),
      ]);
      return;
    }
    this.received.push(message);
    const script = this.options.script?.(message) ?? 'combined';
    const { transid } = message;
    const completion = acks.completion(transid, message.activationId, this.instance, false);
    switch (script) {
      case 'combined':
        return this.send(message, [acks.combined(transid, activation, this.instance, message.blocking)]);
      case 'shrunk':
        return this.send(message, [acks.combined(transid, activation, this.instance, false)]);
      case 'result-then-completion':
        return this.send(message, [acks.result(transid, activation), completion]);
      case 'completion-then-result':
        return this.send(message, [completion, acks.result(transid, activation)]);
      case 'result':
        this.held.push(message);
        return this.send(message, [acks.result(transid, activation)]);
      case 'silent':
        this.held.push(message);
        return;
    }
  }

  private async send(message: ActivationMessage, answers: Parameters<typeof serializeAcknowledgement>[0][]) {
    const topic = topics.completed(message.rootControllerIndex.asString);
    await this.bus.send(topic, answers.map(serializeAcknowledgement));
  }

  /** The record a real invoker would write: the content echoed back as the result. */
  activation(message: ActivationMessage): WhiskActivation {
    return {
      namespace: message.user.namespace.name,
      name: message.action.name,
      subject: message.user.subject,
      activationId: message.activationId,
      start: 1,
      end: 2,
      duration: 1,
      response: this.options.respond?.(message) ?? {
        status: 'success',
        statusCode: 0,
        success: true,
        result: { echoed: message.content ?? {} },
      },
      logs: [],
      version: message.action.version ?? '0.0.1',
      publish: false,
      annotations: [{ key: 'invoker', value: this.options.id }],
    };
  }
}
