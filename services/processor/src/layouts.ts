import { DEFAULT_LAYOUT, type EventOfType } from '@reportline/contracts';
import { DependencyUnavailableError, type Queryable } from '@reportline/platform';

/**
 * Port: the sheet layout an import asked for. The answer is `unknown` on purpose: whatever a store returns is
 * validated against LayoutV1 by the processor, and a layout that does not validate fails the import
 * (`layout-invalid`) instead of writing a sheet nobody asked for.
 */
export interface LayoutSource {
  layoutOf(importId: string): Promise<unknown>;
}

export const defaultLayoutSource: LayoutSource = { layoutOf: async () => DEFAULT_LAYOUT };

/**
 * Keeps the layout of an ImportRequested (v2 carries one; v1 and a null layout mean the default). Stamped `at` by the
 * service's clock, the clock `forgetOldLayouts`'s cut-off comes from: Postgres' now() would be days behind a simulated
 * clock and the layout forgotten before the import's reports arrive.
 */
export async function recordImportLayout(
  db: Queryable,
  event: EventOfType<'ImportRequested'>,
  at: Date,
): Promise<void> {
  const layout = event.version === 2 ? event.data.layout : null;
  await db.query(
    `INSERT INTO processor.import_layouts (import_id, layout, recorded_at) VALUES ($1, $2, $3)
     ON CONFLICT (import_id) DO NOTHING`,
    [event.importId, layout === null ? null : JSON.stringify(layout), at],
  );
}

/**
 * The layouts as the imports asked for them. An import whose request this processor has not read yet (the imports
 * topic is consumed apart from the downloads topic, so it can lag behind by moments) is waited for as an unavailable
 * dependency — bounded by the failure policy's maximum, after which the import fails — never guessed.
 */
export function storedLayouts(db: Queryable): LayoutSource {
  return {
    async layoutOf(importId) {
      const { rows } = await db.query<{ layout: unknown }>(
        'SELECT layout FROM processor.import_layouts WHERE import_id = $1',
        [importId],
      );
      if (rows.length === 0) {
        throw new DependencyUnavailableError(
          'imports topic',
          `the ImportRequested of import ${importId} has not been read yet`,
        );
      }
      return rows[0]!.layout ?? DEFAULT_LAYOUT;
    },
  };
}

/** Layouts of imports that ended long ago are of no use: kept this long, then deleted. */
export async function forgetOldLayouts(db: Queryable, olderThan: Date): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM processor.import_layouts WHERE recorded_at < $1', [olderThan]);
  return rowCount ?? 0;
}
