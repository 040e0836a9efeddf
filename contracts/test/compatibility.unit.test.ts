import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineEvent } from '../src/envelope.ts';
import { checkFrozen, describeBreaking, removedVersions } from './compatibility.ts';

// A synthetic event, so the rule is tested apart from the real contracts (whose frozen files must not be touched).
const WidgetV1 = defineEvent('Widget', 1, z.object({ name: z.string(), size: z.number().int() }), { leased: false });

describe('compatibility of published versions', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'contracts-compat-'));
    expect(checkFrozen(WidgetV1, dir, { freeze: true })).toEqual({ kind: 'new', frozen: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('allows a new version beside a frozen one: v2 gets its own frozen schema and v1 stays as it was', () => {
    const WidgetV2 = defineEvent('Widget', 2, WidgetV1.data.extend({ colour: z.enum(['red', 'blue']) }), {
      leased: false,
    });
    expect(checkFrozen(WidgetV2, dir)).toEqual({ kind: 'new', frozen: false });
    expect(checkFrozen(WidgetV2, dir, { freeze: true })).toEqual({ kind: 'new', frozen: true });
    expect(checkFrozen(WidgetV2, dir)).toEqual({ kind: 'unchanged' });
    expect(checkFrozen(WidgetV1, dir)).toEqual({ kind: 'unchanged' });
    expect(removedVersions([WidgetV1, WidgetV2], dir)).toEqual([]);
  });

  it('fails a change to a published version, naming the event and each changed field', () => {
    const changed = defineEvent('Widget', 1, z.object({ name: z.string().optional(), weight: z.number() }), {
      leased: true,
    });
    const verdict = checkFrozen(changed, dir, { freeze: true });
    expect(verdict.kind).toBe('breaking');
    const changes = verdict.kind === 'breaking' ? verdict.changes : [];
    expect(changes).toEqual(
      expect.arrayContaining([
        'data.size was removed',
        'data.weight was added as required',
        'data.name became optional',
        'fencingToken became required',
      ]),
    );
    expect(describeBreaking(changed, changes)).toMatch(
      /^Widget v1 changed in place \(publish a new version beside it instead\): .*data\.size was removed/,
    );
    // freezing never overwrites: the frozen v1 still says what was published
    expect(checkFrozen(WidgetV1, dir)).toEqual({ kind: 'unchanged' });
  });

  it('names a narrowed type and a removed enum value', () => {
    const V1 = defineEvent('Gadget', 1, z.object({ state: z.enum(['on', 'off']), n: z.number() }), { leased: false });
    checkFrozen(V1, dir, { freeze: true });
    const changed = defineEvent('Gadget', 1, z.object({ state: z.enum(['on']), n: z.number().int() }), {
      leased: false,
    });
    const verdict = checkFrozen(changed, dir);
    expect(verdict.kind === 'breaking' && verdict.changes).toEqual(
      expect.arrayContaining(['data.state no longer allows "off"', 'data.n: type changed from "number" to "integer"']),
    );
  });

  it('fails when a published version is removed', () => {
    expect(removedVersions([], dir)).toEqual(['Widget.v1.json']);
  });
});
