import { type ReportlineEvent, topics } from '@reportline/contracts';
import { evolveView, type ImportView, initialView } from './import-view.ts';

/** An event as read from its topic: where it was, so events of one partition keep their order. */
export interface PositionedEvent {
  event: ReportlineEvent;
  topic: string;
  partition: number;
  offset: bigint;
}

/**
 * One import's events in folding order. The imports topic is keyed by customer id, so an import's events there are in
 * the order they happened: they keep their offsets' order. Events of the other topics are merged in by event time
 * (an event on the imports topic goes first on a tie), and events known only from elsewhere (`extra`: the scheduler's
 * own records) likewise. Each event id once.
 */
export function foldingOrder(
  read: readonly PositionedEvent[],
  extra: readonly ReportlineEvent[] = [],
): ReportlineEvent[] {
  const seen = new Set<string>();
  const once = (e: ReportlineEvent) => !seen.has(e.id) && seen.add(e.id);
  const spine = read
    .filter((p) => p.topic === topics.imports.name)
    .sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0))
    .map((p) => p.event)
    .filter(once);
  const others = [
    ...read
      .filter((p) => p.topic !== topics.imports.name)
      .sort(
        (a, b) =>
          a.event.time.localeCompare(b.event.time) ||
          a.topic.localeCompare(b.topic) ||
          a.partition - b.partition ||
          (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0),
      )
      .map((p) => p.event),
    ...[...extra].sort((a, b) => a.time.localeCompare(b.time) || a.id.localeCompare(b.id)),
  ].filter(once);
  others.sort((a, b) => a.time.localeCompare(b.time));
  const merged: ReportlineEvent[] = [];
  let i = 0;
  for (const e of spine) {
    while (i < others.length && others[i]!.time < e.time) merged.push(others[i++]!);
    merged.push(e);
  }
  return merged.concat(others.slice(i));
}

/** The views of `imports` folded afresh from their events, and the events each view was folded from. Pure. */
export function refoldImports(
  imports: readonly { importId: string; customerId: string }[],
  read: readonly PositionedEvent[],
  extra: readonly ReportlineEvent[] = [],
): Map<string, { view: ImportView; events: ReportlineEvent[] }> {
  const byImport = new Map<string, { read: PositionedEvent[]; extra: ReportlineEvent[] }>();
  for (const { importId } of imports) byImport.set(importId, { read: [], extra: [] });
  for (const p of read) byImport.get(p.event.importId)?.read.push(p);
  for (const e of extra) byImport.get(e.importId)?.extra.push(e);
  const out = new Map<string, { view: ImportView; events: ReportlineEvent[] }>();
  for (const { importId, customerId } of imports) {
    const own = byImport.get(importId)!;
    const events = foldingOrder(own.read, own.extra);
    if (events.length === 0) continue;
    out.set(importId, { view: events.reduce(evolveView, initialView(importId, customerId)), events });
  }
  return out;
}
