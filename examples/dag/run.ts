/**
 * An application running a DAG on Palette with src/dag (README "DAG coloring for applications"):
 * it colors the DAG, and for block placement pins the chains through the affinity route, then
 * invokes the `dag-task` action for every task in dependency order (a task starts when all its
 * inputs are done) with `__palette_color`, and prints where each task ran and where it read its
 * inputs from (the invoker's local store or the remote one).
 *
 *   npx tsx examples/dag/run.ts --help
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import openwhisk from 'openwhisk';
import {
  blockPlacement,
  chainColoring,
  DagError,
  edgeList,
  validateDag,
  virtualWorkers,
  type DagTask,
} from '../../src/dag/index.js';
import { buildShape, readDagFile, type Shape } from './dag.js';

const usage = `npx tsx examples/dag/run.ts [options]
  Runs a DAG of dag-task activations on Palette, colored with src/dag, and prints where each ran.
  --apihost URL          the API host (default: $__OW_API_HOST)
  --auth KEY             uuid:key (default: $__OW_API_KEY)
  --placement P          block | chain | virtual | none (default block): block pins the chains
                         through PUT /palette/v1/namespaces/_/affinity; none sends no color
  --shape S              stencil | fft (default stencil), --width N (default 4), --steps N (default 3)
  --dag FILE             a JSON array of tasks {id, deps, outputBytes?, computeMs?} instead of --shape
  --size BYTES           output size of a task without outputBytes (default 1024)
  --compute-ms MS        busy time of a task without computeMs (default 0)
  --virtual-workers V    for --placement virtual (default 4)
  --capacity-factor C    block placement's capacity factor (default 1.1); --seed N (default 1)
  --concurrency N        tasks in flight at most (default 4)
  --action NAME          the dag-task action (default dag-task); --deploy creates or updates it
                         from actions/dag-task.js first
  --db NAME              the remote store's database (default palette_dag)
  --json                 print the run as JSON instead of a table
  -h, --help             this text`;

const options = {
  apihost: { type: 'string' },
  auth: { type: 'string' },
  placement: { type: 'string', default: 'block' },
  shape: { type: 'string', default: 'stencil' },
  width: { type: 'string', default: '4' },
  steps: { type: 'string', default: '3' },
  dag: { type: 'string' },
  size: { type: 'string', default: '1024' },
  'compute-ms': { type: 'string', default: '0' },
  'virtual-workers': { type: 'string', default: '4' },
  'capacity-factor': { type: 'string', default: '1.1' },
  seed: { type: 'string', default: '1' },
  concurrency: { type: 'string', default: '4' },
  action: { type: 'string', default: 'dag-task' },
  deploy: { type: 'boolean', default: false },
  db: { type: 'string', default: 'palette_dag' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Placement = 'block' | 'chain' | 'virtual' | 'none';

/** A refusal the user can act on: printed as one line, exit 1. */
class Refused extends Error {}

function numberOption(values: Record<string, unknown>, name: string, min: number): number {
  const value = Number(values[name]);
  if (!Number.isFinite(value) || value < min) throw new Refused(`--${name} must be a number >= ${min}`);
  return value;
}

interface TaskRun {
  task: string;
  color?: string;
  planned?: number;
  invoker: number;
  inputs: { key: string; source: 'local' | 'remote'; bytes: number }[];
}

async function main(argv: string[]): Promise<void> {
  let values: ReturnType<typeof parseArgs<{ options: typeof options; strict: true }>>['values'];
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true }));
  } catch (err) {
    throw new Refused(`${(err instanceof Error ? err.message : String(err)).split('\n')[0]} (see --help)`);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const placement = values.placement as Placement;
  if (!['block', 'chain', 'virtual', 'none'].includes(placement))
    throw new Refused(`--placement must be block, chain, virtual or none, got '${placement}'`);
  const shape = values.shape as Shape;
  if (!['stencil', 'fft'].includes(shape))
    throw new Refused(`--shape must be stencil or fft, got '${shape}'`);
  const apihost = values.apihost ?? process.env.__OW_API_HOST;
  const auth = values.auth ?? process.env.__OW_API_KEY;
  if (!apihost || !auth)
    throw new Refused('give --apihost and --auth (or set __OW_API_HOST and __OW_API_KEY)');
  const size = numberOption(values, 'size', 0);
  const computeMs = numberOption(values, 'compute-ms', 0);
  const concurrency = numberOption(values, 'concurrency', 1);

  // The DAG is checked before anything is placed: a refused DAG uploads and invokes nothing.
  let tasks: DagTask[];
  try {
    tasks = values.dag
      ? readDagFile(values.dag)
      : buildShape(shape, numberOption(values, 'width', 1), numberOption(values, 'steps', 1));
  } catch (err) {
    throw new Refused(err instanceof Error ? err.message : String(err));
  }
  const dag = validateDag(tasks);
  if (dag.ids.length === 0) throw new Refused('the DAG has no tasks');
  const run = randomBytes(4).toString('hex');
  const prefix = `dag-${run}-`;
  const base = apihost.replace(/\/$/, '');
  const authorization = `Basic ${Buffer.from(auth).toString('base64')}`;

  let colors: Map<string, string> | undefined;
  let pins: Map<string, number> | undefined;
  if (placement === 'chain') colors = chainColoring(dag, { prefix });
  if (placement === 'virtual')
    colors = virtualWorkers(dag, numberOption(values, 'virtual-workers', 1), { prefix });
  if (placement === 'block') {
    const invokers = await healthyInvokers(base);
    const capacityFactor = numberOption(values, 'capacity-factor', 1);
    const placed = blockPlacement(dag, invokers, {
      capacityFactor,
      seed: numberOption(values, 'seed', 0),
      prefix,
    });
    // The route plans the same chain graph with the same planner: given the kept seed and the
    // healthy invokers it pins exactly `placed.pins`.
    const reply = await fetch(
      `${base}/palette/v1/namespaces/_/affinity?capacityFactor=${capacityFactor}&seed=${placed.seed}`,
      {
        method: 'PUT',
        headers: { authorization, 'content-type': 'text/plain' },
        body: edgeList(placed.graph),
      },
    );
    if (reply.status !== 200)
      throw new Error(`pinning the chains: HTTP ${reply.status} ${await reply.text()}`);
    const answer = (await reply.json()) as { pinned: number; summary: { edgeLocality: number } };
    process.stderr.write(
      `block placement: ${placed.pins.size} chains on invokers ${invokers.join(',')}, ` +
        `${(100 * placed.summary.edgeLocality).toFixed(0)}% of the data between chains kept inside an invoker ` +
        `(hashing: ${(100 * placed.summary.hashLocality).toFixed(0)}%); the route pinned ${answer.pinned}\n`,
    );
    colors = placed.colors;
    pins = placed.pins;
  }

  const ow = openwhisk({ apihost: base, api_key: auth });
  if (values.deploy) {
    const code = readFileSync(new URL('../../actions/dag-task.js', import.meta.url), 'utf8');
    await ow.actions.update({ name: values.action, action: code, kind: 'nodejs:20' } as Parameters<
      typeof ow.actions.update
    >[0]);
  }

  const byId = new Map(tasks.map((t) => [t.id, t]));
  const runs = await runDataflow(dag.ids, tasks, concurrency, async (id) => {
    const task = byId.get(id)!;
    const color = colors?.get(id);
    const result = (await ow.actions.invoke({
      name: values.action!,
      blocking: true,
      result: true,
      params: {
        key: `${run}:${id}`,
        inputs: task.deps.map((d) => `${run}:${d}`),
        size: task.outputBytes ?? size,
        computeMs: task.computeMs ?? computeMs,
        db: values.db,
        ...(color === undefined ? {} : { __palette_color: color }),
      },
    })) as { invoker: string | number; inputs: TaskRun['inputs'] };
    return {
      task: id,
      ...(color === undefined ? {} : { color }),
      ...(pins && color !== undefined ? { planned: pins.get(color)! } : {}),
      invoker: Number(result.invoker),
      inputs: result.inputs,
    };
  });

  const inputs = runs.flatMap((r) => r.inputs);
  const local = inputs.filter((i) => i.source === 'local').length;
  const summary = {
    placement,
    tasks: runs.length,
    inputs: inputs.length,
    localInputs: local,
    ...(pins ? { onPlannedInvoker: runs.filter((r) => r.planned === r.invoker).length } : {}),
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ run, summary, tasks: runs }, null, 1)}\n`);
    return;
  }
  const lines = ['task\tcolor\tplanned\tran on\tinputs (local/all)'];
  for (const r of runs)
    lines.push(
      `${r.task}\t${r.color ?? '-'}\t${r.planned ?? '-'}\t${r.invoker}\t` +
        `${r.inputs.filter((i) => i.source === 'local').length}/${r.inputs.length}`,
    );
  lines.push(
    `${summary.tasks} tasks, ${local} of ${inputs.length} inputs read from the invoker's local store` +
      (pins ? `, ${summary.onPlannedInvoker} tasks on their planned invoker` : ''),
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The healthy invokers' ids, from OpenWhisk's `/invokers` view (`invoker<N>[/name]: up`). */
async function healthyInvokers(base: string): Promise<number[]> {
  const reply = await fetch(`${base}/invokers`);
  if (reply.status !== 200) throw new Error(`GET /invokers: HTTP ${reply.status}`);
  const view = (await reply.json()) as Record<string, string>;
  const ids = Object.entries(view)
    .filter(([, state]) => state === 'up')
    .map(([name]) => Number(/^invoker(\d+)/.exec(name)?.[1]))
    .filter((id) => Number.isInteger(id));
  if (ids.length === 0) throw new Error('no healthy invoker (GET /invokers)');
  return ids;
}

/** Runs `call` for every task once all its deps are done, at most `limit` at a time; results in `order`. */
async function runDataflow(
  order: readonly string[],
  tasks: readonly DagTask[],
  limit: number,
  call: (id: string) => Promise<TaskRun>,
): Promise<TaskRun[]> {
  const waiting = new Map(tasks.map((t) => [t.id, new Set(t.deps).size]));
  const dependents = new Map<string, string[]>(tasks.map((t) => [t.id, []]));
  for (const t of tasks) for (const d of new Set(t.deps)) dependents.get(d)!.push(t.id);
  const ready = order.filter((id) => waiting.get(id) === 0);
  const results = new Map<string, TaskRun>();
  let running = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = () => {
      if (results.size === order.length) return resolve();
      while (running < limit && ready.length > 0) {
        const id = ready.shift()!;
        running++;
        call(id)
          .then((result) => {
            running--;
            results.set(id, result);
            for (const d of dependents.get(id)!)
              if (waiting.set(d, waiting.get(d)! - 1).get(d) === 0) ready.push(d);
            pump();
          })
          .catch((err: unknown) =>
            reject(
              new Error(`task ${JSON.stringify(id)}: ${err instanceof Error ? err.message : String(err)}`),
            ),
          );
      }
    };
    pump();
  });
  return order.map((id) => results.get(id)!);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    // One line: a refused option or DAG (DagError names the task), or what the platform answered;
    // DEBUG=1 adds the stack of an unexpected failure.
    process.stderr.write(`examples/dag: ${err instanceof Error ? err.message : String(err)}\n`);
    const expected = err instanceof Refused || err instanceof DagError;
    if (!expected && process.env.DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  },
);
