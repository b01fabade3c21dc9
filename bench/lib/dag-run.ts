/**
 * One DAG run through the platform's REST API as a dataflow: a task is invoked (blocking,
 * result=true) as soon as all its inputs are done. Its output goes to its invoker's local store;
 * a consumer on the same invoker reads it there, any other consumer fetches it from the remote
 * store (behind the emulated link), and the dag-task action reports bytes and timings.
 *
 * Remote writes: a task writes its output to the remote store too, unless every consumer has its
 * color (`remote: false`: the consumers are expected on the same invoker). If a color moved anyway
 * (bounded loads spilled it, or its invoker left), the consumer finds an input in neither store
 * and says so; the run counts the miss, recomputes the producer with `remote: true`, and retries
 * the consumer. Locality-oblivious placements always write remotely.
 *
 * The ceiling run (`sharedLocalDir`) gives every task one folder as its local store: every input
 * is then already "on every invoker" (they share this host), and only sinks write remotely.
 */
import { randomBytes } from 'node:crypto';
import { dependentsOf, localOnlyOutputs, type Dag } from './dag.js';
import type { RunMeasure } from './dag-ceiling.js';

export interface DagApi {
  readonly apiHost: string;
  /** `uuid:key` */
  readonly authKey: string;
}

export interface DagRunOptions {
  /** Colors per task; undefined = uncolored invocations (the baseline policy places them). */
  readonly colors?: readonly number[];
  readonly outputBytes: number;
  readonly computeMs: number;
  readonly storeUrl: string;
  readonly db: string;
  /** The ceiling run: one local store for all tasks (inputs pre-copied everywhere). */
  readonly sharedLocalDir?: string;
  /**
   * Runs before the first task with the prefix of this run's colors (`<prefix><n>`), e.g. to pin
   * them (block placement pins the chains through the affinity route).
   */
  readonly beforeRun?: (colorPrefix: string) => Promise<void>;
}

interface TaskResult {
  invoker: string;
  bytesReadLocal: number;
  bytesReadRemote: number;
  bytesWrittenRemote?: number;
  fetchMs?: number;
  computeMs?: number;
  writeMs?: number;
  /** A string, or, for inputs in neither the local nor the remote store, their keys. */
  error?: string | { message: string; missing?: string[] };
}

export async function runDag(
  api: DagApi,
  dag: Dag,
  options: DagRunOptions,
  progress: () => void,
): Promise<RunMeasure> {
  const run = randomBytes(4).toString('hex');
  await options.beforeRun?.(`${run}:c`);
  const url = `${api.apiHost}/api/v1/namespaces/_/actions/dag-task?blocking=true&result=true`;
  const auth = `Basic ${Buffer.from(api.authKey).toString('base64')}`;
  const remaining = dag.tasks.map((t) => t.inputs.length);
  const dependents = dependentsOf(dag);
  const { colors } = options;
  // The ceiling run keeps every output with dependents local, as a perfect placement would.
  const localOnly = options.sharedLocalDir
    ? dependents.map((d) => d.length > 0)
    : localOnlyOutputs(dag, colors);
  const measure = {
    bytesReadRemote: 0,
    bytesWrittenRemote: 0,
    bytesReadLocal: 0,
    fetchMs: 0,
    computeMs: 0,
    writeMs: 0,
    misses: 0,
    recomputed: 0,
  };
  const used = new Set<string>();
  const idOf = (key: string) => Number(key.slice(run.length + 1));

  /** One task; a miss recomputes the missing producers (writing remotely) and retries, twice at most. */
  const call = async (id: number, remote: boolean): Promise<void> => {
    const task = dag.tasks[id]!;
    const params = {
      key: `${run}:${id}`,
      inputs: task.inputs.map((i) => `${run}:${i}`),
      size: options.outputBytes,
      computeMs: options.computeMs,
      db: options.db,
      couchUrl: options.storeUrl,
      remote,
      ...(options.sharedLocalDir ? { localDir: options.sharedLocalDir } : {}),
      ...(colors ? { __palette_color: `${run}:c${colors[id]}` } : {}),
    };
    for (let attempt = 0; ; attempt++) {
      const reply = await fetch(url, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify(params),
      });
      const body = (await reply.json()) as TaskResult;
      const missing = typeof body.error === 'object' ? (body.error.missing ?? []) : [];
      if (missing.length > 0) {
        measure.misses++;
        if (attempt === 2)
          throw new Error(`task ${id}: inputs still missing after recomputing them: ${missing.join(', ')}`);
        for (const key of missing) {
          measure.recomputed++;
          await call(idOf(key), true);
        }
        continue;
      }
      if (reply.status !== 200 || body.error)
        throw new Error(`task ${id}: HTTP ${reply.status} ${JSON.stringify(body)}`);
      measure.bytesReadRemote += body.bytesReadRemote;
      measure.bytesWrittenRemote += body.bytesWrittenRemote ?? 0;
      measure.bytesReadLocal += body.bytesReadLocal;
      measure.fetchMs += body.fetchMs ?? 0;
      measure.computeMs += body.computeMs ?? 0;
      measure.writeMs += body.writeMs ?? 0;
      used.add(body.invoker);
      return;
    }
  };

  const began = Date.now();
  await new Promise<void>((resolve, reject) => {
    let done = 0;
    const start = (id: number) => {
      call(id, !localOnly[id])
        .then(() => {
          progress();
          if (++done === dag.tasks.length) return resolve();
          for (const d of dependents[id]!) if (--remaining[d]! === 0) start(d);
        })
        .catch(reject);
    };
    dag.tasks.forEach((t) => t.inputs.length === 0 && start(t.id));
  });
  return {
    seconds: (Date.now() - began) / 1000,
    ...measure,
    invokersUsed: used.size,
    localOnly: localOnly.filter(Boolean).length,
  };
}
