import type { Pool } from '@reportline/platform';
import type { Layout, LayoutMemory } from './layout-memory.ts';

/**
 * The layouts in Postgres, shared by every writer process: a write to a spreadsheet runs under its advisory lock
 * (write.ts), so whichever process writes next finds what the last commit left, whoever made it.
 */
export function postgresLayoutMemory(pool: Pool): LayoutMemory {
  return {
    async recall(id) {
      const { rows } = await pool.query<{ layout: Layout }>(
        'SELECT layout FROM sheets.spreadsheet_layouts WHERE spreadsheet_id = $1',
        [id],
      );
      return rows[0]?.layout;
    },
    async remember(id, layout) {
      await pool.query(
        `INSERT INTO sheets.spreadsheet_layouts (spreadsheet_id, layout) VALUES ($1, $2)
         ON CONFLICT (spreadsheet_id) DO UPDATE SET layout = EXCLUDED.layout, remembered_at = now()`,
        [id, JSON.stringify(layout)],
      );
    },
    async forget(id) {
      await pool.query('DELETE FROM sheets.spreadsheet_layouts WHERE spreadsheet_id = $1', [id]);
    },
  };
}
