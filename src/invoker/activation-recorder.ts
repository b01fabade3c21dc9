/**
 * Writes the invoker's activation records to the activations database (through the ActivationSink),
 * without holding up the acknowledgements: a write runs in the background, and `drain` waits for
 * every write still pending, then flushes what the sink batched (the invoker is stopping).
 */
import type { Logger } from 'pino';
import { whiskActivationSchema, type ActivationMessage, type WhiskActivation } from '../protocol/index.js';
import type { ActivationSink } from './ports.js';

export class ActivationRecorder {
  private readonly pendingStores = new Set<Promise<void>>();

  constructor(
    private readonly sink: ActivationSink,
    private readonly logger: Logger,
  ) {}

  /** Stores the record unless the user's limits say not to; a record off the schema is logged, not written. */
  store(msg: ActivationMessage, activation: WhiskActivation): void {
    if (msg.user.limits.storeActivations === false) return;
    const checked = whiskActivationSchema.safeParse(activation);
    if (!checked.success) {
      this.logger.error(
        { activationId: activation.activationId, issues: checked.error.issues },
        'activation record does not match the schema',
      );
      return;
    }
    const write = this.sink.storeActivation(activation).catch((err: unknown) => {
      this.logger.error(
        { activationId: activation.activationId, err: String(err) },
        'failed to store the activation',
      );
    });
    this.pendingStores.add(write);
    void write.finally(() => this.pendingStores.delete(write));
  }

  /** Waits for the writes still pending, then for the sink's batch. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.pendingStores]);
    await this.sink.flush?.();
  }
}
