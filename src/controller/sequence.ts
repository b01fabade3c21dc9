/**
 * Sequences run in the controller, as OpenWhisk's SequenceActions does (DECISIONS "Sequences run in
 * the controller"): one blocking activation per component, in order, through the controller's own
 * `invoke`; each component's output is the next one's input; each component activation has `cause`
 * = the sequence's activation id; an error stops the chain. The controller then writes the
 * sequence's own record (the component ids in `logs`) and a placement doc of kind `sequence`.
 *
 * The runner wraps the controller core: a sequence is run here, any other action goes straight to
 * the core. So the REST layer invokes sequences exactly as it invokes actions, and maps the same
 * outcomes and errors (ColorError 400, NoInvokersError 503) to the same replies.
 *
 * Blocking: the caller waits up to its `waitMs`, then gets the id (202) while the sequence goes on.
 * Non-blocking: the id at once. A component gets its action's timeout plus a minute to answer, as
 * in OpenWhisk; a component that outlives it ends the sequence with OpenWhisk's timeout error.
 */
import type { Logger } from 'pino';
import { withoutColor } from '../balancer/color.js';
import {
  actionSequenceLimit,
  asSequenceDocument,
  parseFullyQualifiedName,
  resolveDefaultNamespace,
  sequenceMessages,
  type QualifiedName,
  type Identity,
  type SequenceActionDocument,
  type TransactionId,
  type WhiskActivation,
} from '../protocol/index.js';
import { newActivationId as randomActivationId } from '../protocol/builders.js';
import { systemClock, type Clock } from './clock.js';
import {
  applicationError,
  completed,
  failed,
  initialAccounting,
  nextInput,
  sequenceColor,
  sequenceInput,
  sequenceRecord,
  whiskError,
  type SequenceAccounting,
} from './sequence-accounting.js';
import type { ActivationWriter, ComponentResolver, ResolvedComponent } from './sequence-ports.js';
import type {
  ControllerCore,
  InvocationOutcome,
  InvocationRequest,
  InvokerHealthEntry,
  Placement,
} from './types.js';

export interface SequenceRunnerDeps {
  /** Runs every atomic action, the components included. */
  core: ControllerCore;
  components: ComponentResolver;
  writeActivation: ActivationWriter;
  recordPlacement?(placement: Placement): void;
  /** The policy names the placement doc reports (the policy the components' color goes to). */
  policies: { colored: string; uncolored: string };
  controllerId: string;
  logger: Logger;
  clock?: Clock;
  newActivationId?: () => string;
  /** Atomic actions a sequence may run after inlining (OpenWhisk's actionSequenceLimit). */
  limit?: number;
}

/** A component's answer may take its own time limit plus this (SequenceActions.invokeNextAction). */
const componentGraceMs = 60_000;

interface SequenceRun {
  transid: TransactionId;
  user: Identity;
  action: SequenceActionDocument;
  /** The input of the first component (already without the color). */
  payload: unknown;
  /** The color every component runs with; undefined: each its own annotation or the baseline. */
  color: string | undefined;
  /** The enclosing sequence's activation (inner sequences) or the entry point's cause. */
  cause: string | undefined;
  topmost: boolean;
  atomicCount: number;
}

interface SequenceResult {
  record: WhiskActivation;
  atomicCount: number;
}

export class SequenceRunner implements ControllerCore {
  private readonly clock: Clock;
  private readonly newId: () => string;
  private readonly limit: number;

  constructor(private readonly deps: SequenceRunnerDeps) {
    this.clock = deps.clock ?? systemClock;
    this.newId = deps.newActivationId ?? randomActivationId;
    this.limit = deps.limit ?? actionSequenceLimit;
  }

  async invoke(request: InvocationRequest): Promise<InvocationOutcome> {
    const sequence = asSequenceDocument(request.action);
    if (!sequence) return this.deps.core.invoke(request);

    // A bad color is the caller's mistake (400) before anything runs or is recorded.
    const color = sequenceColor(request.color, request.payload, sequence.annotations);
    const { activationId, done } = this.start({
      transid: request.transid,
      user: request.user,
      action: sequence,
      payload: sequenceInput(request.payload),
      color,
      cause: request.cause,
      topmost: true,
      atomicCount: 0,
    });
    if (!request.blocking) return { kind: 'accepted', activationId };
    const result = await this.within(done, request.waitMs);
    return result
      ? { kind: 'completed', activationId, activation: result.record }
      : { kind: 'accepted', activationId };
  }

  invokerHealth(): InvokerHealthEntry[] {
    return this.deps.core.invokerHealth();
  }

  isReady(): boolean {
    return this.deps.core.isReady();
  }

  close(): Promise<void> {
    return this.deps.core.close();
  }

  /** Allocates the sequence's id, records its placement and runs it; `done` never rejects. */
  private start(run: SequenceRun): { activationId: string; done: Promise<SequenceResult> } {
    const activationId = this.newId();
    const startedAt = this.clock.now();
    this.deps.recordPlacement?.({
      activationId,
      kind: 'sequence',
      ...(run.cause !== undefined ? { cause: run.cause } : {}),
      namespace: run.user.namespace.name,
      action: `${run.action.namespace}/${run.action.name}`,
      ...(run.color !== undefined ? { color: run.color } : {}),
      policy: run.color !== undefined ? this.deps.policies.colored : this.deps.policies.uncolored,
      forced: false,
      spilled: false,
      controller: this.deps.controllerId,
      time: startedAt,
    });
    const done = this.runComponents(run, activationId)
      .catch((err: unknown) => {
        // Not expected (every step answers an accounting): still end the sequence with a record.
        this.deps.logger.error({ err, activationId }, 'sequence failed unexpectedly');
        return failed(initialAccounting(run.atomicCount, undefined), whiskError(sequenceMessages.failure));
      })
      .then(async (accounting) => {
        const record = sequenceRecord({
          user: run.user,
          action: run.action,
          activationId,
          accounting,
          topmost: run.topmost,
          ...(run.cause !== undefined ? { cause: run.cause } : {}),
          transid: run.transid,
          start: startedAt,
          end: this.clock.now(),
        });
        try {
          await this.deps.writeActivation(record);
        } catch (err) {
          this.deps.logger.error({ err, activationId }, 'could not store the sequence activation record');
        }
        return { record, atomicCount: accounting.atomicCount };
      });
    return { activationId, done };
  }

  private async runComponents(run: SequenceRun, activationId: string): Promise<SequenceAccounting> {
    let accounting = initialAccounting(run.atomicCount, run.payload);
    let names: QualifiedName[];
    try {
      names = run.action.exec.components.map((c) =>
        resolveDefaultNamespace(parseFullyQualifiedName(c), run.user.namespace.name),
      );
    } catch {
      return failed(accounting, applicationError(sequenceMessages.componentNotFound));
    }
    // Every component is looked up at once, so only the first lookup is on the critical path
    // (as OpenWhisk resolves them all ahead); the runs themselves stay in order.
    const lookups = names.map((fqn) => this.lookup(fqn, run.user));
    for (const lookup of lookups) {
      if (accounting.atomicCount >= this.limit) {
        accounting = failed(accounting, applicationError(sequenceMessages.tooLong));
        break;
      }
      accounting = await this.step(run, activationId, accounting, await lookup);
      if (accounting.shortcircuit) break;
    }
    return accounting;
  }

  private lookup(fqn: QualifiedName, user: Identity): Promise<ResolvedComponent | 'failed'> {
    return this.deps.components.resolve(fqn, user).catch((err: unknown) => {
      this.deps.logger.warn({ err, component: fqn }, 'sequence component lookup failed');
      return 'failed' as const;
    });
  }

  /** Runs one component (an action, or an inner sequence inline) and accounts for it. */
  private async step(
    run: SequenceRun,
    activationId: string,
    accounting: SequenceAccounting,
    resolved: ResolvedComponent | 'failed',
  ): Promise<SequenceAccounting> {
    if (resolved === 'failed') return failed(accounting, whiskError(sequenceMessages.failure));
    if (resolved.kind !== 'found') {
      return failed(accounting, applicationError(sequenceMessages.componentNotFound));
    }
    const input = withoutColor(nextInput(accounting));
    try {
      const inner = asSequenceDocument(resolved.action);
      if (inner) {
        const { done } = this.start({
          transid: run.transid,
          user: run.user,
          action: inner,
          payload: input,
          // The enclosing color wins; else the inner sequence's own annotation (an output is no entry point).
          color: sequenceColor(run.color, undefined, inner.annotations),
          cause: activationId,
          topmost: false,
          atomicCount: accounting.atomicCount,
        });
        const result = await done;
        return completed(accounting, result.record, result.atomicCount, this.limit);
      }
      const action = resolved.action;
      const outcome = await this.deps.core.invoke({
        transid: run.transid,
        user: run.user,
        action,
        payload: input,
        blocking: true,
        waitMs: action.limits.timeout + componentGraceMs,
        cause: activationId,
        ...(run.color !== undefined ? { color: run.color } : {}),
      });
      if (outcome.kind === 'accepted') {
        this.deps.logger.error({ activationId: outcome.activationId }, 'sequence component timed out');
        return failed(
          accounting,
          whiskError(sequenceMessages.retrieveTimeout(outcome.activationId)),
          outcome.activationId,
        );
      }
      return completed(accounting, outcome.activation, accounting.atomicCount + 1, this.limit);
    } catch (err) {
      // No invoker, a bad color annotation on a component, a broker failure: OpenWhisk's
      // "component activation failed", a whisk error.
      this.deps.logger.error({ err, sequence: activationId }, 'sequence component failed');
      return failed(accounting, whiskError(sequenceMessages.failure));
    }
  }

  /** The result if `done` settles within `waitMs`, else undefined (the sequence goes on). */
  private within(done: Promise<SequenceResult>, waitMs: number): Promise<SequenceResult | undefined> {
    return new Promise((resolve) => {
      const cancel = this.clock.after(waitMs, () => resolve(undefined));
      void done.then((result) => {
        cancel();
        resolve(result);
      });
    });
  }
}
