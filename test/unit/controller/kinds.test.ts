import { afterEach, describe, expect, it } from 'vitest';
import { NoInvokersError } from '../../../src/controller/types.js';
import { paletteNodejsTag, type ActionDocument } from '../../../src/protocol/index.js';
import { action, startHarness } from './harness.js';

type Harness = Awaited<ReturnType<typeof startHarness>>;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const palette = { tags: [paletteNodejsTag] };

function ofKind(name: string, exec: ActionDocument['exec']): ActionDocument {
  return { ...action(name), exec };
}
const python = (name: string) =>
  ofKind(name, { kind: 'python:3.10', code: 'def main(a): return a', binary: false });
const blackbox = (name: string, image = 'me/custom:1') =>
  ofKind(name, { kind: 'blackbox', image, binary: false });

const receivedBy = (harness: Harness) => harness.invokers.map((i) => i.received.length);

describe('controller core: runtime kinds (R10)', () => {
  it('a non-Node.js kind with only Palette invokers: NoInvokersError (503), nothing published', async () => {
    h = await startHarness({
      invokers: [
        { id: 0, ...palette },
        { id: 1, ...palette },
      ],
    });
    await h.heartbeat();
    await expect(h.invoke(h.request(python('py')))).rejects.toBeInstanceOf(NoInvokersError);
    await expect(h.invoke(h.request(python('py'), { __palette_color: 'red' }))).rejects.toBeInstanceOf(
      NoInvokersError,
    );
    await expect(h.invoke(h.request(blackbox('bb')))).rejects.toBeInstanceOf(NoInvokersError);
    expect(receivedBy(h)).toEqual([0, 0]);
    expect(h.controller.inFlight()).toHaveLength(0);
    // Node.js still runs.
    await h.invoke(h.request(action('js')));
    expect(receivedBy(h).reduce((a, b) => a + b)).toBe(1);
  });

  it('non-Node.js kinds go only to invokers without the tag, colored or not; Node.js goes anywhere', async () => {
    h = await startHarness({ invokers: [{ id: 0, ...palette }, { id: 1 }, { id: 2, ...palette }] });
    await h.heartbeat();
    for (let i = 0; i < 12; i++) {
      await h.invoke(h.request(python(`py${i}`), { __palette_color: `c${i}` }));
      await h.invoke(h.request(python(`py${i}`)));
    }
    expect(receivedBy(h)).toEqual([0, 24, 0]);
    for (let i = 0; i < 30; i++) await h.invoke(h.request(action(`js${i}`), { __palette_color: `c${i}` }));
    expect(receivedBy(h).filter((n, id) => id !== 1 && n > 0).length).toBeGreaterThan(0);
  });

  it('managed/blackbox split: blackbox actions only on the blackbox invokers, managed ones never there', async () => {
    h = await startHarness({ invokers: [0, 1, 2, 3].map((id) => ({ id })), blackboxFraction: 0.5 });
    await h.heartbeat();
    for (let i = 0; i < 16; i++) {
      await h.invoke(h.request(blackbox(`bb${i}`), { __palette_color: `c${i}` }));
      await h.invoke(h.request(blackbox(`bb${i}`)));
    }
    const [a, b, c, d] = receivedBy(h);
    expect(a! + b!).toBe(0);
    expect(c! + d!).toBe(32);
    for (let i = 0; i < 16; i++) {
      await h.invoke(h.request(python(`py${i}`), { __palette_color: `c${i}` }));
      await h.invoke(h.request(action(`js${i}`)));
    }
    const after = receivedBy(h);
    expect(after[2]! + after[3]!).toBe(32);
    // A blackbox image the invokers have (the manifest's dockerskeleton) runs as a managed action.
    await h.invoke(h.request(blackbox('skeleton', 'openwhisk/dockerskeleton:nightly')));
    expect(receivedBy(h)[0]! + receivedBy(h)[1]!).toBe(33);
  });
});
