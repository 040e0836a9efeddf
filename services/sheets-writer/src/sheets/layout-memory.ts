import type { SheetInfo } from './sheets-port.ts';

/**
 * What the writer's last commit to a spreadsheet left there, so the next write can read the tab and `_reportline` in
 * ONE request (spreadsheets.get with `ranges`, which answers only the tabs it names) instead of listing every tab
 * first. It is forgotten before any write of the writer goes out and remembered only from a commit's own answer, so
 * when it is there no writer has changed the spreadsheet since: the tabs the writer makes (staging, roll-overs,
 * `_reportline`) are all in it. What a person changed since is caught by the read itself (the two tabs' properties and
 * cells are fresh; a tab renamed or deleted fails the read, which then falls back to listing every tab) and by Google
 * (a tab a person added can only make the commit too large for 10M cells, which Google refuses whole).
 */
export interface Layout {
  /** Every tab, as the commit's response listed them. */
  sheets: SheetInfo[];
  /** Each connection's tab name (lower case) → the tab its rows are in now (itself, or its latest roll-over). */
  tabs: Record<string, string>;
}

export interface LayoutMemory {
  recall(spreadsheetId: string): Promise<Layout | undefined>;
  remember(spreadsheetId: string, layout: Layout): Promise<void>;
  forget(spreadsheetId: string): Promise<void>;
}

/** In this process only: for tests and a single writer. Writer processes that share spreadsheets use Postgres. */
export function inProcessLayoutMemory(): LayoutMemory {
  const layouts = new Map<string, Layout>();
  return {
    async recall(id) {
      const layout = layouts.get(id);
      return layout && structuredClone(layout);
    },
    async remember(id, layout) {
      layouts.set(id, structuredClone(layout));
    },
    async forget(id) {
      layouts.delete(id);
    },
  };
}
