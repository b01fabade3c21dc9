/**
 * One "container": a long-lived child process running the action runtime (runtime/proxy.cjs),
 * spoken to over loopback HTTP exactly as OpenWhisk's invoker speaks to a Docker container
 * (Container.scala initialize/run): `/init` once, then `/run` per activation, one at a time.
 *
 * A call that does not answer within the action's time limit is reported as a timeout; a process
 * that dies or closes the connection is reported as a connection failure. Either way the caller
 * destroys the container, as OpenWhisk does after any developer error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ContainerLog, type CollectOptions } from './logs.js';

/** What came back from one /init or /run call (OpenWhisk's RunResult). */
export interface CallResult {
  readonly startMs: number;
  readonly endMs: number;
  /** `ok`: an HTTP answer; `timeout`: none within the limit; `connection`: the process failed. */
  readonly outcome:
    | { readonly kind: 'ok'; readonly status: number; readonly body: string; readonly truncatedFrom?: number }
    | { readonly kind: 'timeout' }
    | { readonly kind: 'connection'; readonly error: string };
}

export interface ContainerOptions {
  readonly id: string;
  readonly memoryMB: number;
  /** The container's whole environment (it does not inherit the invoker's). */
  readonly env: Record<string, string>;
  readonly cwd?: string;
  /** Limit the V8 heap to the action's memory limit, as a container's memory limit would. */
  readonly limitHeap?: boolean;
  readonly startTimeoutMs?: number;
}

/** Responses longer than this are truncated (whisk.activation.payload.max = 1 m). */
export const maxResponseBytes = 1024 * 1024;

/** Where the runtime script lives: beside this module under tsx, or in src/ when running from dist/. */
export function runtimeScriptPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const beside = join(here, 'runtime', 'proxy.cjs');
  if (existsSync(beside)) return beside;
  let dir = here;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'src', 'invoker', 'runtime', 'proxy.cjs');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`cannot find the action runtime (runtime/proxy.cjs) from ${here}`);
}

export class Container {
  readonly id: string;
  readonly memoryMB: number;
  readonly log = new ContainerLog();
  private readonly child: ChildProcess;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private port = 0;
  private exitInfo: string | undefined;
  private readonly exitListeners = new Set<(reason: string) => void>();
  private readonly closed: Promise<void>;

  private constructor(options: ContainerOptions) {
    this.id = options.id;
    this.memoryMB = options.memoryMB;
    const args = options.limitHeap === false ? [] : [`--max-old-space-size=${options.memoryMB}`];
    this.child = spawn(process.execPath, [...args, runtimeScriptPath()], {
      env: options.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child.stdout!.setEncoding('utf8');
    this.child.stderr!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => this.log.push('stdout', chunk));
    this.child.stderr!.on('data', (chunk: string) => this.log.push('stderr', chunk));
    this.child.stdout!.on('end', () => this.log.end('stdout'));
    this.child.stderr!.on('end', () => this.log.end('stderr'));
    this.closed = new Promise((resolve) => this.child.once('close', () => resolve()));
    this.child.once('exit', (code, signal) => {
      this.exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`;
      for (const listener of this.exitListeners) listener(this.exitInfo);
      this.exitListeners.clear();
    });
    this.child.on('error', (err) => {
      this.exitInfo ??= `failed: ${err.message}`;
      for (const listener of this.exitListeners) listener(this.exitInfo);
      this.exitListeners.clear();
    });
  }

  /** Starts the process and waits until the runtime listens. */
  static async start(options: ContainerOptions): Promise<Container> {
    const container = new Container(options);
    try {
      container.port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('the action runtime did not start in time')),
          options.startTimeoutMs ?? 10_000,
        );
        container.child.once('message', (message: unknown) => {
          clearTimeout(timer);
          const port = (message as { port?: unknown } | null)?.port;
          if (typeof port === 'number') resolve(port);
          else reject(new Error('the action runtime announced no port'));
        });
        container.onExit((reason) => {
          clearTimeout(timer);
          reject(new Error(`the action runtime ${reason} before it listened`));
        });
      });
    } catch (err) {
      await container.destroy();
      throw err;
    }
    return container;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  private onExit(listener: (reason: string) => void): () => void {
    if (this.exitInfo !== undefined) {
      listener(this.exitInfo);
      return () => undefined;
    }
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  initialize(value: Record<string, unknown>, timeoutMs: number): Promise<CallResult> {
    return this.call('/init', { value }, timeoutMs);
  }

  run(body: Record<string, unknown>, timeoutMs: number): Promise<CallResult> {
    return this.call('/run', body, timeoutMs);
  }

  /** The logs of the activation that just ended (see ContainerLog.collect). */
  collectLogs(options: CollectOptions): Promise<string[]> {
    return this.log.collect(options);
  }

  private call(path: string, body: unknown, timeoutMs: number): Promise<CallResult> {
    const payload = JSON.stringify(body);
    const startMs = Date.now();
    return new Promise<CallResult>((resolve) => {
      let done = false;
      const finish = (outcome: CallResult['outcome']) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        removeExit();
        resolve({ startMs, endMs: Date.now(), outcome });
      };
      const timer = setTimeout(() => {
        finish({ kind: 'timeout' });
        request.destroy();
      }, timeoutMs);
      const removeExit = this.onExit((reason) =>
        finish({ kind: 'connection', error: `the container ${reason}` }),
      );
      const request = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          path,
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          let length = 0;
          response.on('data', (chunk: Buffer) => {
            if (length < maxResponseBytes) chunks.push(chunk);
            length += chunk.length;
          });
          response.on('end', () => {
            const all = Buffer.concat(chunks);
            const truncated = length > maxResponseBytes;
            const text = (truncated ? all.subarray(0, maxResponseBytes) : all).toString('utf8');
            finish({
              kind: 'ok',
              status: response.statusCode ?? 500,
              body: text,
              ...(truncated ? { truncatedFrom: length } : {}),
            });
          });
          response.on('error', (err) => finish({ kind: 'connection', error: err.message }));
        },
      );
      request.on('error', (err) => finish({ kind: 'connection', error: err.message }));
      request.end(payload);
    });
  }

  /** Kills the process and waits until its output is fully read. */
  async destroy(): Promise<void> {
    this.agent.destroy();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
    }
    if (this.child.pid !== undefined) await this.closed;
  }
}
