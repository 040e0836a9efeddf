import { describe, expect, it } from 'vitest';
import { decode } from '../examples/consumer.ts';
import { examples, topicOf, toWire } from '../src/index.ts';

// The README points other teams at the example consumer: its decisions are tested so the advice stays true.
describe('the example consumer', () => {
  const example = examples.find((e) => e.type === 'LockGranted' && e.version === 2)!;
  const manifest = topicOf(example.type, example.version);
  const wire = toWire(example);

  it('decodes and validates every example, keyed as its manifest says', () => {
    for (const e of examples) {
      const m = topicOf(e.type, e.version);
      const w = toWire(e);
      expect(decode(m, e[m.key], w.headers, w.value)).toEqual({ kind: 'event', event: e });
    }
  });

  it('tells an unknown (newer) version apart from an invalid message', () => {
    const newer = { ...wire.headers, ce_type: 'dev.reportline.LockGranted.v99' };
    expect(decode(manifest, example.customerId, newer, wire.value)).toEqual({
      kind: 'unknown',
      ceType: 'dev.reportline.LockGranted.v99',
    });
    const invalid = decode(manifest, example.customerId, wire.headers, JSON.stringify({ leaseTtlMs: -1 }));
    expect(invalid.kind).toBe('invalid');
  });

  it("rejects a message not keyed by the manifest's key field", () => {
    expect(decode(manifest, example.importId, wire.headers, wire.value)).toMatchObject({ kind: 'invalid' });
  });
});
