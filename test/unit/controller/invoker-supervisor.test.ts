import { describe, expect, it } from 'vitest';
import { InvokerSupervisor, type InvocationResult } from '../../../src/controller/invoker-supervisor.js';
import { invokerInstanceId, pingMessage } from '../../../src/protocol/index.js';

function setup() {
  const tests: number[] = [];
  const supervisor = new InvokerSupervisor({ sendTestAction: (i) => tests.push(i.instance) });
  const ping = (id: number, now: number, enabled = true) =>
    supervisor.onPing(pingMessage(invokerInstanceId(id, 2048, `inv-${id}`), enabled), now);
  const status = (id: number) => supervisor.get(id)?.status;
  return { supervisor, tests, ping, status };
}

describe('invoker supervision as OpenWhisk does it', () => {
  it('a new invoker is unhealthy and gets a test action at once', () => {
    const { tests, ping, status } = setup();
    ping(0, 1000);
    expect(status(0)).toBe('unhealthy');
    expect(tests).toEqual([0]);
  });

  it('becomes healthy after its first successful test activation, and a success while unhealthy sends another test', () => {
    const { supervisor, tests, ping, status } = setup();
    ping(0, 1000);
    supervisor.onInvocationFinished(0, 'success', 1100);
    expect(status(0)).toBe('healthy');
    expect(tests).toEqual([0, 0]);
  });

  it('goes offline after 10 s without a ping, and back to unhealthy on the next ping', () => {
    const { supervisor, ping, status, tests } = setup();
    ping(0, 0);
    supervisor.onInvocationFinished(0, 'success', 10);
    ping(0, 5_000);
    supervisor.tick(14_999);
    expect(status(0)).toBe('healthy');
    supervisor.tick(15_000);
    expect(status(0)).toBe('offline');
    ping(0, 20_000);
    expect(status(0)).toBe('unhealthy');
    expect(tests.length).toBe(3);
  });

  it('a disabled ping takes it offline', () => {
    const { supervisor, ping, status } = setup();
    ping(0, 0);
    supervisor.onInvocationFinished(0, 'success', 1);
    ping(0, 2, false);
    expect(status(0)).toBe('offline');
  });

  const cases: [InvocationResult, string][] = [
    ['systemError', 'unhealthy'],
    ['timeout', 'unresponsive'],
  ];
  for (const [result, to] of cases) {
    it(`more than 3 ${result}s in the last 10 results make it ${to}; a few do not`, () => {
      const { supervisor, ping, status } = setup();
      ping(0, 0);
      // Past priming (more than 3 results), a few errors leave a healthy invoker healthy.
      for (let i = 0; i < 4; i++) supervisor.onInvocationFinished(0, 'success', 1);
      for (let i = 0; i < 3; i++) supervisor.onInvocationFinished(0, result, 2);
      expect(status(0)).toBe('healthy');
      supervisor.onInvocationFinished(0, result, 3);
      expect(status(0)).toBe(to);
      // the errors age out of the 10-entry buffer as successes arrive
      for (let i = 0; i < 6; i++) supervisor.onInvocationFinished(0, 'success', 4);
      expect(status(0)).toBe(to);
      supervisor.onInvocationFinished(0, 'success', 5);
      expect(status(0)).toBe('healthy');
    });
  }

  it('a failed health test does not make a new invoker healthy: a system error keeps it unhealthy, a timeout makes it unresponsive', () => {
    const { supervisor, ping, status } = setup();
    ping(0, 0);
    supervisor.onInvocationFinished(0, 'systemError', 1);
    expect(status(0)).toBe('unhealthy');
    ping(1, 0);
    supervisor.onInvocationFinished(1, 'timeout', 1);
    expect(status(1)).toBe('unresponsive');
    supervisor.onInvocationFinished(1, 'success', 2);
    expect(status(1)).toBe('healthy');
  });

  it('while the buffer is priming one error takes a healthy invoker out; at steady state a lone error changes nothing', () => {
    const { supervisor, ping, status } = setup();
    ping(0, 0);
    supervisor.onInvocationFinished(0, 'success', 1);
    expect(status(0)).toBe('healthy');
    supervisor.onInvocationFinished(0, 'systemError', 2);
    expect(status(0)).toBe('unhealthy');
    for (let i = 0; i < 3; i++) supervisor.onInvocationFinished(0, 'success', 3);
    expect(status(0)).toBe('healthy');
    supervisor.onInvocationFinished(0, 'systemError', 4);
    expect(status(0)).toBe('healthy');
  });

  it('sends a test action every minute while unhealthy, never while healthy', () => {
    const { supervisor, ping, tests } = setup();
    ping(0, 0);
    for (let t = 1_000; t <= 120_000; t += 1_000) {
      ping(0, t);
      supervisor.tick(t);
    }
    expect(tests).toEqual([0, 0, 0]);
    supervisor.onInvocationFinished(0, 'success', 120_500);
    const before = tests.length;
    for (let t = 121_000; t <= 300_000; t += 1_000) {
      ping(0, t);
      supervisor.tick(t);
    }
    expect(tests.length).toBe(before);
  });

  it('results after an invoker went offline do not bring it back', () => {
    const { supervisor, ping, status } = setup();
    ping(0, 0);
    supervisor.tick(10_000);
    expect(status(0)).toBe('offline');
    supervisor.onInvocationFinished(0, 'success', 10_001);
    expect(status(0)).toBe('offline');
  });

  it('reads the capacity from the ping user memory', () => {
    const { supervisor, ping } = setup();
    ping(3, 0);
    expect(supervisor.get(3)?.userMemoryMB).toBe(2048);
    expect(supervisor.list().map((i) => i.id)).toEqual([3]);
  });
});
