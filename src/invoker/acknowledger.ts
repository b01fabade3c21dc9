/**
 * MessagingActiveAck: acknowledgements go to `completed<rootControllerIndex>` (created on first
 * use, as OpenWhisk's producer does); one too large for the topic is resent shrunk (the activation
 * id in place of the record), and a send that still fails is logged, never thrown.
 */
import type { Logger } from 'pino';
import type { MessageBus } from '../messaging/bus.js';
import { topics } from '../messaging/bus.js';
import { serializeAcknowledgement, type Acknowledgement, type ActivationMessage } from '../protocol/index.js';
import { shrunkAck } from './ack-plan.js';

export class Acknowledger {
  private readonly ensuredTopics = new Map<string, Promise<void>>();

  constructor(
    private readonly bus: MessageBus,
    private readonly logger: Logger,
  ) {}

  async send(msg: ActivationMessage, ack: Acknowledgement): Promise<void> {
    const controller = msg.rootControllerIndex.asString;
    const topic = topics.completed(controller);
    try {
      await this.ensureCompletedTopic(controller);
      await this.bus.send(topic, [serializeAcknowledgement(ack)]);
    } catch (sendErr) {
      let err = sendErr;
      const shrunk = shrunkAck(ack, msg.activationId);
      if (shrunk) {
        try {
          await this.bus.send(topic, [serializeAcknowledgement(shrunk)]);
          return;
        } catch (retryErr) {
          err = retryErr;
        }
      }
      this.logger.error(
        { err: String(err), activationId: msg.activationId, kind: ack.kind },
        'failed to send an acknowledgement',
      );
    }
  }

  private ensureCompletedTopic(controller: string): Promise<void> {
    const topic = topics.completed(controller);
    let ensured = this.ensuredTopics.get(topic);
    if (!ensured) {
      ensured = this.bus.ensureTopic(topic, 'completed').catch((err: unknown) => {
        this.ensuredTopics.delete(topic);
        throw err;
      });
      this.ensuredTopics.set(topic, ensured);
    }
    return ensured;
  }
}
