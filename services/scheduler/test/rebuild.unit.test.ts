import { examples, type ReportlineEvent, topics } from '@reportline/contracts';
import { describe, expect, it } from 'vitest';
import { foldingOrder, type PositionedEvent, refoldImports } from '../src/domain/rebuild-fold.ts';

const importId = examples[0]!.importId;
const at = (s: number) => new Date(Date.parse(examples[0]!.time) + s * 1000).toISOString();
const ev = (type: ReportlineEvent['type'], s: number, id = crypto.randomUUID()) =>
  ({ ...examples.find((e) => e.type === type && e.importId === importId)!, id, time: at(s) }) as ReportlineEvent;
const on = (topic: string, offset: number, event: ReportlineEvent, partition = 0): PositionedEvent => ({
  event,
  topic,
  partition,
  offset: BigInt(offset),
});

describe('folding order of a rebuild', () => {
  it('given events of the imports topic, when ordered, then their offsets decide, not their times', () => {
    const requested = ev('ImportRequested', 5);
    const failed = ev('ImportFailed', 1); // a skewed clock: published after, stamped before
    const order = foldingOrder([on(topics.imports.name, 2, failed), on(topics.imports.name, 1, requested)]);
    expect(order.map((e) => e.type)).toEqual(['ImportRequested', 'ImportFailed']);
  });

  it('given events of other topics, when ordered, then they are merged in by time', () => {
    const requested = ev('ImportRequested', 0);
    const completed = ev('ImportCompleted', 30);
    const granted = ev('LockGranted', 10);
    const rows = ev('RowsProcessed', 20);
    const order = foldingOrder([
      on(topics.rows.name, 0, rows),
      on(topics.imports.name, 8, completed),
      on(topics.leases.name, 3, granted),
      on(topics.imports.name, 7, requested),
    ]);
    expect(order.map((e) => e.type)).toEqual(['ImportRequested', 'LockGranted', 'RowsProcessed', 'ImportCompleted']);
  });

  it('given an event read twice and also recorded by the scheduler, when ordered, then it is folded once', () => {
    const requested = ev('ImportRequested', 0);
    const order = foldingOrder(
      [on(topics.imports.name, 1, requested), on(topics.imports.name, 2, requested)],
      [requested, ev('LockQueued', 1)],
    );
    expect(order.map((e) => e.type)).toEqual(['ImportRequested', 'LockQueued']);
  });

  it('given events of imports the scheduler does not know, when refolded, then they are left out', () => {
    const stranger = { ...ev('LockGranted', 1), importId: crypto.randomUUID() } as ReportlineEvent;
    const views = refoldImports(
      [{ importId, customerId: '338047' }],
      [on(topics.imports.name, 0, ev('ImportRequested', 0)), on(topics.leases.name, 0, stranger)],
    );
    expect([...views.keys()]).toEqual([importId]);
    expect(views.get(importId)!.view.steps.map((s) => s.type)).toEqual(['ImportRequested']);
  });
});
