/**
 * Activation logs, as OpenWhisk's invoker collects them from a container (DockerContainer.logs and
 * DockerToActivationLogStore): every line a container writes is timestamped when it arrives, and
 * an activation's logs are the lines up to the runtime's end-of-activation sentinel, which the
 * runtime prints once on stdout and once on stderr. Lines containing the sentinel are never kept.
 * Each line is formatted as Scala's `f"$time%-30s $stream: $msg"` with an RFC 3339 timestamp at
 * nanosecond precision. Past the action's log limit, collection stops with OpenWhisk's truncation
 * notice; a developer error gets OpenWhisk's warning line appended.
 */

export const logSentinel = 'XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX';

export type LogStream = 'stdout' | 'stderr';

/** OpenWhisk's Messages.truncateLogs. */
export function truncatedLogsMessage(limitBytes: number): string {
  return `Logs were truncated because the total bytes size exceeds the limit of ${limitBytes} bytes.`;
}
/** OpenWhisk's Messages.logFailure (sentinels missing, collection timed out). */
export const logFailureMessage = 'There was an issue while collecting your logs. Data might be missing.';
/** OpenWhisk's Messages.logWarningDeveloperError. */
export const developerErrorLogWarning =
  'The action did not initialize or run as expected. Log data might be missing.';

// A wall clock with nanosecond resolution: the epoch at start-up plus the monotonic clock since.
const epochAtStartNs = BigInt(Date.now()) * 1_000_000n;
const hrtimeAtStart = process.hrtime.bigint();

export function nowNs(): bigint {
  return epochAtStartNs + (process.hrtime.bigint() - hrtimeAtStart);
}

/** RFC 3339 UTC with nine fractional digits, e.g. `2023-11-14T22:13:20.010000000Z`. */
export function formatTimestamp(epochNs: bigint): string {
  const ms = Number(epochNs / 1_000_000n);
  const iso = new Date(ms).toISOString(); // 2023-11-14T22:13:20.010Z
  const fraction = (epochNs % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso.slice(0, 19)}.${fraction}Z`;
}

/** One stored log line: `f"$time%-30s $stream: $msg"`, trailing line end stripped. */
export function formatLogLine(time: string, stream: LogStream, message: string): string {
  return `${time.padEnd(30)} ${stream}: ${message.replace(/\r?\n$/, '')}`;
}

interface Line {
  readonly seq: number;
  readonly time: string;
  readonly stream: LogStream;
  readonly message: string;
}

type Entry = Line | { readonly sentinel: true };

export interface CollectOptions {
  /** The action's log limit in bytes (limits.logs MB); 0 collects nothing. */
  readonly limitBytes: number;
  /**
   * Wait until both sentinels arrived (a healthy run). Without it, take what has arrived, waiting
   * only briefly for sentinels or the end of the streams (developer errors, timeouts, crashes).
   */
  readonly waitForSentinel: boolean;
  /** Give up waiting after this long (OpenWhisk's log-collecting timeout). */
  readonly timeoutMs: number;
}

/**
 * Splits a container's two output streams into timestamped lines and hands them out per
 * activation. Lines written after an activation's sentinels belong to the next activation.
 */
export class ContainerLog {
  /** Per stream: lines and sentinels in arrival order; `seq` restores the interleaving of both. */
  private readonly streams: Record<LogStream, Entry[]> = { stdout: [], stderr: [] };
  private readonly partial: Record<LogStream, string> = { stdout: '', stderr: '' };
  private readonly ended: Record<LogStream, boolean> = { stdout: false, stderr: false };
  private waiters: (() => void)[] = [];
  private seq = 0;

  /** Feeds a chunk of a stream; complete lines are timestamped now. */
  push(stream: LogStream, chunk: string): void {
    const time = formatTimestamp(nowNs());
    const text = this.partial[stream] + chunk;
    const lines = text.split('\n');
    this.partial[stream] = lines.pop() ?? '';
    for (const line of lines) this.add(stream, line, time);
    this.wake();
  }

  /** The stream ended (the process exited): its last unterminated line counts too. */
  end(stream: LogStream): void {
    if (this.partial[stream] !== '') this.add(stream, this.partial[stream], formatTimestamp(nowNs()));
    this.partial[stream] = '';
    this.ended[stream] = true;
    this.wake();
  }

  private add(stream: LogStream, message: string, time: string): void {
    if (message.includes(logSentinel)) this.streams[stream].push({ sentinel: true });
    else this.streams[stream].push({ seq: this.seq++, time, stream, message });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private settled(): boolean {
    return (['stdout', 'stderr'] as const).every(
      (s) => this.ended[s] || this.streams[s].some((e) => 'sentinel' in e),
    );
  }

  private async waitUntilSettled(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.settled()) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  /** Takes a stream's lines up to and including its first sentinel (or all, if none). */
  private take(stream: LogStream): Line[] {
    const entries = this.streams[stream];
    const sentinel = entries.findIndex((e) => 'sentinel' in e);
    const taken = entries.splice(0, sentinel < 0 ? entries.length : sentinel + 1);
    return taken.filter((e): e is Line => !('sentinel' in e));
  }

  /** The logs of the activation that just ended, formatted; consumes them. */
  async collect(options: CollectOptions): Promise<string[]> {
    const complete = await this.waitUntilSettled(options.timeoutMs);
    const lines = [...this.take('stdout'), ...this.take('stderr')].sort((a, b) => a.seq - b.seq);
    if (options.limitBytes <= 0) return [];

    const out: string[] = [];
    let bytes = 0;
    for (const line of lines) {
      bytes += Buffer.byteLength(line.message) + 1;
      if (bytes > options.limitBytes) {
        out.push(formatLogLine(formatTimestamp(nowNs()), 'stderr', truncatedLogsMessage(options.limitBytes)));
        return out;
      }
      out.push(formatLogLine(line.time, line.stream, line.message));
    }
    if (!complete && options.waitForSentinel) {
      out.push(formatLogLine(formatTimestamp(nowNs()), 'stderr', logFailureMessage));
    }
    return out;
  }
}
