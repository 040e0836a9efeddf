import type { EventOfType } from '@reportline/contracts';
import type { Queryable } from '@reportline/platform';

export interface Target {
  spreadsheetId: string;
  sheetName: string;
}

export async function saveTarget(db: Queryable, event: EventOfType<'ImportRequested'>): Promise<void> {
  await db.query(
    `INSERT INTO sheets.targets (import_id, customer_id, spreadsheet_id, sheet_name) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING`,
    [event.importId, event.customerId, event.data.target.spreadsheetId, event.data.target.sheetName],
  );
}

export async function findTarget(db: Queryable, importId: string): Promise<Target | undefined> {
  const { rows } = await db.query<Target>(
    'SELECT spreadsheet_id AS "spreadsheetId", sheet_name AS "sheetName" FROM sheets.targets WHERE import_id = $1',
    [importId],
  );
  return rows[0];
}
