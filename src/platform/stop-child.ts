/**
 * Stopping a child process the platform, a bench or a test started: signal it, wait for its exit,
 * and SIGKILL it if it is still there after a grace period. Resolves at once when it already exited.
 */
import type { ChildProcess } from 'node:child_process';

export function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 30_000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill(signal);
  });
}
