/**
 * The emulated network of the DAG benchmark (R5): a network namespace joined to this one by a veth
 * pair on 198.18.0.0/30 (RFC 2544's benchmarking range), with `tc tbf` on the egress of both veth
 * ends, so uploads to and downloads from the store are each limited to the rate: one shared link,
 * like a storage server's NIC. Names carry the creating process's pid, so parallel runs never
 * collide, and a namespace whose creator is dead is removed at the next start (`removeStale`).
 *
 * The command lists are pure (`setupCommands`, `teardownCommands`); `runIp` executes them.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface NamespaceNames {
  readonly namespace: string;
  /** The veth end that stays in the host's namespace. */
  readonly hostInterface: string;
  /** The veth end inside the namespace. */
  readonly namespaceInterface: string;
}

export interface LinkAddresses {
  /** The host end's address, e.g. 198.18.0.1. */
  readonly host: string;
  /** The namespace end's address (where the store listens), e.g. 198.18.0.2. */
  readonly namespace: string;
  readonly prefixLength: number;
}

/** R5's range. Tests that run beside a benchmark use the next /30 (198.18.0.4/30). */
export const DEFAULT_ADDRESSES: LinkAddresses = {
  host: '198.18.0.1',
  namespace: '198.18.0.2',
  prefixLength: 30,
};

const NAMESPACE_PREFIX = 'palette-dag-';
/** Interface names are at most 15 characters: `pdag` + pid (<= 7 digits) + `h`/`n`. */
export function namesFor(pid: number, tag = ''): NamespaceNames {
  if (!/^[a-z]{0,2}$/.test(tag)) throw new RangeError(`tag must be 0-2 lowercase letters, got '${tag}'`);
  return {
    namespace: `${NAMESPACE_PREFIX}${pid}${tag ? `-${tag}` : ''}`,
    hostInterface: `pdag${pid}${tag}h`,
    namespaceInterface: `pdag${pid}${tag}n`,
  };
}

/** The pid a name of ours was made by, or undefined for a name that is not ours. */
export function creatorOf(name: string): number | undefined {
  const match = /^(?:palette-dag-|pdag)(\d+)/.exec(name);
  return match ? Number(match[1]) : undefined;
}

/**
 * tbf counts whole frames; a full TCP segment carries 1448 payload bytes in a 1514-byte Ethernet
 * frame (MTU 1500, TCP timestamps). The rate is raised by that ratio so that the payload rate,
 * which is what a store client sees and the probe measures, is the setting.
 */
export const FRAME_OVERHEAD = 1514 / 1448;

/**
 * tbf for a payload rate of `rateBytesPerSecond` bytes/s. The burst is 4 ms of traffic (at least 64 KiB, so a
 * 64 KiB GSO segment passes whole): small enough that a 32 MiB probe sees the rate within 2%.
 */
export function tbfArgs(device: string, rateBytesPerSecond: number): string[] {
  const burst = Math.max(64 * 1024, Math.round(rateBytesPerSecond * 0.004));
  return [
    'qdisc',
    'replace',
    'dev',
    device,
    'root',
    'tbf',
    'rate',
    `${Math.round(rateBytesPerSecond * FRAME_OVERHEAD * 8)}bit`,
    'burst',
    String(burst),
    'latency',
    '50ms',
  ];
}

/** `ip`/`tc` argument lists that build the namespace, in order. */
export function setupCommands(
  names: NamespaceNames,
  addresses: LinkAddresses,
  rateBytesPerSecond: number,
): { command: 'ip' | 'tc'; args: string[] }[] {
  const ns = names.namespace;
  const shaped = rateBytesPerSecond > 0;
  return [
    { command: 'ip', args: ['netns', 'add', ns] },
    {
      command: 'ip',
      args: [
        'link',
        'add',
        names.hostInterface,
        'type',
        'veth',
        'peer',
        'name',
        names.namespaceInterface,
        'netns',
        ns,
      ],
    },
    {
      command: 'ip',
      args: ['addr', 'add', `${addresses.host}/${addresses.prefixLength}`, 'dev', names.hostInterface],
    },
    { command: 'ip', args: ['link', 'set', names.hostInterface, 'up'] },
    {
      command: 'ip',
      args: [
        '-n',
        ns,
        'addr',
        'add',
        `${addresses.namespace}/${addresses.prefixLength}`,
        'dev',
        names.namespaceInterface,
      ],
    },
    { command: 'ip', args: ['-n', ns, 'link', 'set', names.namespaceInterface, 'up'] },
    { command: 'ip', args: ['-n', ns, 'link', 'set', 'lo', 'up'] },
    ...(shaped
      ? [
          { command: 'tc' as const, args: tbfArgs(names.hostInterface, rateBytesPerSecond) },
          {
            command: 'tc' as const,
            args: ['-n', ns, ...tbfArgs(names.namespaceInterface, rateBytesPerSecond)],
          },
        ]
      : []),
  ];
}

/** Deleting the namespace destroys its veth end and so the pair; the link delete is for a half-built run. */
export function teardownCommands(names: NamespaceNames): { command: 'ip'; args: string[] }[] {
  return [
    { command: 'ip', args: ['netns', 'del', names.namespace] },
    { command: 'ip', args: ['link', 'del', names.hostInterface] },
  ];
}

export async function runIp(command: 'ip' | 'tc', args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await exec(command, [...args], { timeout: 10_000 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`${command} ${args.join(' ')}: ${stderr || (error as Error).message}`, { cause: error });
  }
}

/** Pids of processes inside the namespace (`ip netns pids`); [] when it is gone. */
async function pidsIn(namespace: string): Promise<number[]> {
  const out = await runIp('ip', ['netns', 'pids', namespace]).catch(() => '');
  return out.split(/\s+/).filter(Boolean).map(Number);
}

/** Removes the namespace and the veth pair; idempotent (what is already gone is fine). */
export async function teardown(names: NamespaceNames): Promise<void> {
  for (const pid of await pidsIn(names.namespace)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const { command, args } of teardownCommands(names)) await runIp(command, args).catch(() => undefined);
}

/** The same, synchronously, for a signal handler that must finish before the process exits. */
export function teardownSync(names: NamespaceNames): void {
  try {
    const pids = execFileSync('ip', ['netns', 'pids', names.namespace], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    for (const pid of pids.split(/\s+/).filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
  } catch {
    // no namespace, or its processes are gone
  }
  for (const { command, args } of teardownCommands(names)) {
    try {
      execFileSync(command, args, { stdio: 'ignore', timeout: 10_000 });
    } catch {
      // already gone
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Namespaces and host veth ends of ours whose creating process is dead (a killed run's leftovers). */
export async function removeStale(): Promise<string[]> {
  const removed: string[] = [];
  const namespaces = (await runIp('ip', ['netns', 'list']).catch(() => ''))
    .split('\n')
    .map((line) => line.split(/\s/)[0]!)
    .filter((name) => name.startsWith(NAMESPACE_PREFIX));
  for (const namespace of namespaces) {
    const pid = creatorOf(namespace);
    if (pid === undefined || alive(pid)) continue;
    const tag = namespace.slice(`${NAMESPACE_PREFIX}${pid}`.length).replace(/^-/, '');
    await teardown({ ...namesFor(pid, tag), namespace });
    removed.push(namespace);
  }
  const links = (await runIp('ip', ['-o', 'link', 'show']).catch(() => ''))
    .split('\n')
    .map((line) => /^\d+:\s+([^@:\s]+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined && /^pdag\d+\w*h$/.test(name));
  for (const link of links) {
    const pid = creatorOf(link);
    if (pid === undefined || alive(pid)) continue;
    await runIp('ip', ['link', 'del', link]).catch(() => undefined);
    removed.push(link);
  }
  return removed;
}

/** Builds the namespace; on any failure removes what was built and rethrows. */
export async function setUp(
  names: NamespaceNames,
  addresses: LinkAddresses,
  rateBytesPerSecond: number,
): Promise<void> {
  const [addNamespace, ...rest] = setupCommands(names, addresses, rateBytesPerSecond);
  // First, so that a refusal (not root) is what the caller sees and can fall back on.
  await runIp(addNamespace!.command, addNamespace!.args);
  try {
    // Two live runs on one range would route to whichever veth came first: refuse the second.
    const holder = (await runIp('ip', ['-o', 'addr', 'show']).catch(() => ''))
      .split('\n')
      .find((line) => line.includes(` ${addresses.host}/`));
    if (holder !== undefined)
      throw new Error(
        `${addresses.host} is already in use by ${holder.split(/\s+/)[1]} (another bench:dag run?): wait for it to finish`,
      );
    for (const { command, args } of rest) await runIp(command, args);
  } catch (error) {
    await teardown(names);
    throw error;
  }
}
