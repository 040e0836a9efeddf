import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allTopics, eventDefinitions, examples, fromWire, topicOf, toWire } from '../src/index.ts';
import { checkFrozen, describeBreaking, removedVersions } from './compatibility.ts';

const snapshots = join(import.meta.dirname, '..', 'schemas');

describe('contracts', () => {
  it.each(eventDefinitions.map((d) => [`${d.type} v${d.version}`, d] as const))('%s has a valid example', (_, def) => {
    const example = examples.find((e) => e.type === def.type && e.version === def.version);
    expect(example, 'every published version needs an example').toBeDefined();
    expect(def.schema.safeParse(example).success).toBe(true);
  });

  it('round-trips every example through the CloudEvents binary mode unchanged', () => {
    for (const example of examples) {
      const wire = toWire(example);
      expect(wire.headers.ce_type).toBe(`dev.reportline.${example.type}.v${example.version}`);
      const back = fromWire(wire.headers, wire.value);
      expect(back).toEqual({ ok: true, event: example });
    }
  });

  it('explains why a message is rejected', () => {
    const wire = toWire(examples[0]!);
    expect(fromWire({ ...wire.headers, ce_type: 'dev.reportline.Nope.v1' }, wire.value)).toEqual({
      ok: false,
      reason: 'unknown event Nope v1',
    });
    expect(fromWire(wire.headers, '{')).toEqual({ ok: false, reason: 'message value is not JSON' });
    const bad = fromWire({ ...wire.headers, ce_customerid: 'abc' }, wire.value);
    expect(bad.ok === false && bad.reason).toContain('customerId');
  });

  it('puts each event version on exactly one topic, with a dead-letter topic and named producers and consumers', () => {
    for (const def of eventDefinitions) {
      expect(allTopics.filter((t) => t.events.includes(def))).toHaveLength(1);
      expect(topicOf(def.type, def.version).deadLetterTopic).toMatch(/\.dlq$/);
    }
    for (const t of allTopics) {
      expect(t.producers.length).toBeGreaterThan(0);
      expect(t.consumers.length).toBeGreaterThan(0);
      expect(t.name).toMatch(/^reportline\.[a-z-]+\.v\d+$/);
    }
  });

  it('requires the fencing token on every event of work done under a lease', () => {
    for (const def of eventDefinitions.filter((d) => d.leased)) {
      const example = examples.find((e) => e.type === def.type && e.version === def.version)!;
      expect(def.schema.safeParse(example).success).toBe(true);
      expect(def.schema.safeParse({ ...example, fencingToken: undefined }).success).toBe(false);
    }
  });

  // A published version never changes in place: its JSON Schema is frozen in contracts/schemas. A new version gets a
  // new file (create it with UPDATE_CONTRACT_SNAPSHOTS=1); changing an existing file is a breaking change.
  it.each(eventDefinitions.map((d) => [`${d.type}.v${d.version}`, d] as const))(
    '%s matches its frozen schema',
    (name, def) => {
      const verdict = checkFrozen(def, snapshots, { freeze: process.env.UPDATE_CONTRACT_SNAPSHOTS === '1' });
      if (verdict.kind === 'new') {
        expect(verdict.frozen, `no frozen schema for ${name}; run with UPDATE_CONTRACT_SNAPSHOTS=1 once`).toBe(true);
      }
      if (verdict.kind === 'breaking') expect.fail(describeBreaking(def, verdict.changes));
    },
  );

  it('keeps every published version: no frozen schema without its definition', () => {
    expect(removedVersions(eventDefinitions, snapshots), 'a published version was removed').toEqual([]);
  });
});
