/**
 * OpenWhisk's runtime manifest (common/scala/.../core/entity/ExecManifest.scala): the kinds an
 * action may have, each family's default (`nodejs:default` -> nodejs:20), each kind's image, and the
 * blackbox images an invoker has without pulling. Palette reads it from RUNTIMES_MANIFEST (JSON text,
 * the variable OpenWhisk's own components read); the default is the pinned commit's
 * `ansible/files/runtimes.json` (openwhisk-runtimes.ts).
 *
 * Like OpenWhisk's `ExecManifest.initialize`, the process installs one manifest at start-up
 * (`useRuntimesManifest`) and every reader asks `activeRuntimes()`.
 */
import { z } from 'zod';
import { bundledRuntimesManifest } from './openwhisk-runtimes.js';
import { sequenceKind } from './sequence.js';

/** The tag Palette's own invokers put in their InvokerInstanceId: they run Node.js actions only. */
export const paletteNodejsTag = 'palette-nodejs';

export const blackboxKind = 'blackbox';

const imageSchema = z
  .object({
    registry: z.string().optional(),
    prefix: z.string().optional(),
    name: z.string().min(1),
    tag: z.string().optional(),
  })
  .passthrough();

const runtimeSchema = z
  .object({
    kind: z.string().regex(/^[a-z0-9]+:[a-z0-9.]+$/, 'a kind is <family>:<version>, e.g. nodejs:20'),
    default: z.boolean().optional(),
    image: imageSchema,
    deprecated: z.boolean().optional(),
    requireMain: z.boolean().optional(),
    attached: z.object({ attachmentName: z.string(), attachmentType: z.string() }).passthrough().optional(),
  })
  .passthrough();

export const runtimesManifestSchema = z
  .object({
    runtimes: z.record(z.array(runtimeSchema)),
    blackboxes: z.array(imageSchema).optional(),
  })
  .passthrough();

export type ImageName = z.infer<typeof imageSchema>;
export type RuntimeManifest = z.infer<typeof runtimeSchema>;

/** ImageName.resolveImageName: `[registry/][prefix/]name[:tag]`. */
export function resolveImageName(image: ImageName): string {
  const registry = image.registry
    ? image.registry.endsWith('/')
      ? image.registry
      : `${image.registry}/`
    : '';
  const prefix = image.prefix ? `${image.prefix}/` : '';
  const tag = image.tag ? `:${image.tag}` : '';
  return `${registry}${prefix}${image.name}${tag}`;
}

// ImageName.fromString's grammar (Docker's reference grammar, as OpenWhisk's parser reads it).
const domain = String.raw`[A-Za-z0-9-]*(?:\.[A-Za-z0-9-]*)+(?::[0-9]+)?|[A-Za-z0-9-]*(?:\.[A-Za-z0-9-]*)*:[0-9]+`;
const pathComponent = String.raw`[a-z0-9]+(?:(?:[_.]|__|-+)[a-z0-9]+)*`;
const imageReference = new RegExp(
  String.raw`^(?:(${domain})/)?(${pathComponent}(?:/${pathComponent})*)(?::(\w[\w.-]{0,127}))?` +
    String.raw`(?:@[A-Za-z][A-Za-z0-9]*(?:[+._-][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`,
);

/** ImageName.fromString; undefined where OpenWhisk answers "could not parse image name". */
export function parseImageName(text: string): ImageName | undefined {
  const match = imageReference.exec(text);
  if (!match) return undefined;
  const parts = match[2]!.split('/');
  const image: ImageName = { name: parts.pop()! };
  if (match[1] !== undefined) image.registry = match[1];
  if (parts.length > 0) image.prefix = parts.join('/');
  if (match[3] !== undefined) image.tag = match[3];
  return image;
}

/** ImageName.equals: a missing tag equals `latest`. */
function sameImage(a: ImageName, b: ImageName): boolean {
  return (
    a.name === b.name &&
    a.registry === b.registry &&
    a.prefix === b.prefix &&
    (a.tag ?? 'latest') === (b.tag ?? 'latest')
  );
}

/** Java's String.hashCode. */
function javaHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Scala 2.12's HashSet.improve. */
function improve(hcode: number): number {
  let h = (hcode + ~(hcode << 9)) | 0;
  h ^= h >>> 14;
  h = (h + (h << 4)) | 0;
  return h ^ (h >>> 10);
}

/**
 * The order Scala 2.12's immutable Set of strings iterates in, which is the order OpenWhisk lists
 * the valid kinds in its message: up to four elements keep their insertion order (Set1..Set4);
 * beyond, a hash trie walks its 5-bit digits of the improved hash from the lowest up.
 */
export function scalaSetOrder(items: readonly string[]): string[] {
  const unique = [...new Set(items)];
  if (unique.length <= 4) return unique;
  const digits = (s: string): number[] => {
    const h = improve(javaHash(s));
    return Array.from({ length: 7 }, (_, level) => (h >>> (level * 5)) & 0x1f);
  };
  const keyed = unique.map((s) => ({ s, d: digits(s) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < 7; i++) if (a.d[i] !== b.d[i]) return a.d[i]! - b.d[i]!;
    return 0;
  });
  return keyed.map((k) => k.s);
}

/** Messages.invalidRuntimeError. */
export function invalidRuntimeError(kind: string, runtimes: readonly string[]): string {
  return `The specified runtime '${kind}' is not supported by this platform. Valid values are: '${runtimes.join("', '")}'.`;
}

export class RuntimesError extends Error {}

/** A parsed manifest (ExecManifest.Runtimes). */
export class Runtimes {
  private readonly manifests = new Map<string, RuntimeManifest>();
  private readonly defaults = new Map<string, string>();
  private readonly blackboxImages: ImageName[];
  /** Every kind the REST API accepts, in the order OpenWhisk's message lists them. */
  readonly validKinds: readonly string[];

  constructor(manifest: z.infer<typeof runtimesManifestSchema>) {
    for (const [family, versions] of Object.entries(manifest.runtimes)) {
      const defaults = versions.filter((v) => v.default === true);
      if (defaults.length > 1)
        throw new RuntimesError(`runtime family ${family} has more than one default kind`);
      for (const version of versions) {
        if (this.manifests.has(version.kind)) throw new RuntimesError(`kind ${version.kind} is listed twice`);
        this.manifests.set(version.kind, version);
      }
      if (defaults[0]) this.defaults.set(family, defaults[0].kind);
    }
    this.blackboxImages = manifest.blackboxes ?? [];
    this.validKinds = scalaSetOrder([...this.manifests.keys(), sequenceKind, blackboxKind]);
  }

  /** resolveDefaultRuntime: `<family>:default` to the family's default kind; undefined if unknown. */
  resolve(kind: string): RuntimeManifest | undefined {
    const family = /^([a-z0-9]+):default$/.exec(kind)?.[1];
    if (family !== undefined) {
      const resolved = this.defaults.get(family);
      return resolved === undefined ? undefined : this.manifests.get(resolved);
    }
    return this.manifests.get(kind);
  }

  /** The image a kind runs in, as the invoker would pull it. */
  imageOf(kind: string): string | undefined {
    const manifest = this.resolve(kind);
    return manifest && resolveImageName(manifest.image);
  }

  /** skipDockerPull: a blackbox image the invokers have (it runs as a managed action, `pull = false`). */
  isNativeBlackbox(image: string): boolean {
    const parsed = parseImageName(image);
    return parsed !== undefined && this.blackboxImages.some((b) => sameImage(b, parsed));
  }

  /** Exec.pull: a blackbox action whose image the invoker must pull goes to the blackbox invokers. */
  pulls(exec: { kind: string; image?: unknown }): boolean {
    return (
      exec.kind === blackboxKind && !(typeof exec.image === 'string' && this.isNativeBlackbox(exec.image))
    );
  }
}

/** Parses manifest JSON text (or an already parsed value); throws RuntimesError saying what is wrong. */
export function parseRuntimesManifest(source: string | unknown): Runtimes {
  let value: unknown = source;
  if (typeof source === 'string') {
    try {
      value = JSON.parse(source);
    } catch (err) {
      throw new RuntimesError(`the runtime manifest is not JSON: ${(err as Error).message}`);
    }
  }
  const parsed = runtimesManifestSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RuntimesError(
      `the runtime manifest is invalid: ${issue.path.join('.') || 'manifest'}: ${issue.message}`,
    );
  }
  return new Runtimes(parsed.data);
}

let active: Runtimes | undefined;

/** The process's manifest: the one installed by `useRuntimesManifest`, else the bundled one. */
export function activeRuntimes(): Runtimes {
  active ??= parseRuntimesManifest(bundledRuntimesManifest);
  return active;
}

/** Installs the process's manifest (at start-up, from RUNTIMES_MANIFEST); undefined restores the bundled one. */
export function useRuntimesManifest(runtimes: Runtimes | undefined): void {
  active = runtimes;
}

/** Whether Palette's own invoker can run this kind (its containers are Node.js processes). */
export function isNodejsKind(kind: string): boolean {
  return /^nodejs(:|$)/.test(kind);
}
