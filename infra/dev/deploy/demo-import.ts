// The compose demo's last step (service `demo`): once every service is healthy, it seeds a spreadsheet in the Sheets
// fake, links the simulated NAVER account of NAVER_SIMULATOR_CONFIG to it, requests one import and follows it to its
// end, like `npm run demo -- --once` does for processes on this machine. Exits 0 when the import completed.
//   SCHEDULER_URL, SCHEDULER_TOKEN (the scheduler's BOOTSTRAP_ADMIN_TOKEN), SHEETS_FAKE_URL, NAVER_SIMULATOR_CONFIG
//   (the simulator's JSON config: its first customer is used)
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

const need = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};
const say = (msg: string) => console.log(`[demo] ${msg}`);

let token = '';

async function call(method: string, url: string, body?: unknown): Promise<Record<string, unknown>> {
  const auth = token ? { authorization: `Bearer ${token}` } : {};
  const res = await fetch(url, {
    method,
    headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

try {
  const scheduler = need('SCHEDULER_URL').replace(/\/$/, '');
  const sheets = need('SHEETS_FAKE_URL').replace(/\/$/, '');
  const sim = JSON.parse(readFileSync(need('NAVER_SIMULATOR_CONFIG'), 'utf8')) as {
    customers: { customerId: string; apiKey: string; secret: string }[];
  };
  const customer = sim.customers[0];
  if (!customer) throw new Error('the simulator config has no customer');

  const spreadsheetId = `demo-${randomBytes(4).toString('hex')}`;
  await call('POST', `${sheets}/_fake/spreadsheets`, {
    spreadsheetId,
    title: 'Reportline demo',
    sheets: [{ title: 'Sheet1' }],
  });
  token = need('SCHEDULER_TOKEN');
  const connection = await call('POST', `${scheduler}/connections`, {
    customerId: customer.customerId,
    apiKey: customer.apiKey,
    secret: customer.secret,
    reportTypes: ['AD', 'AD_CONVERSION'],
    historyDays: 14,
    spreadsheetId,
    sheetName: '로우데이터',
  });
  // Creating the connection queued its first-link import (it waits for NAVER to accept the credentials).
  const requested = connection.firstImport as { importId: string };
  const importUrl = `${scheduler}/imports/${requested.importId}`;
  say(`import ${requested.importId} requested: 14 days of AD + AD_CONVERSION into spreadsheet ${spreadsheetId}`);

  const deadline = Date.now() + Number(process.env.DEMO_TIMEOUT_MS ?? 600_000);
  let last = '';
  for (;;) {
    const view = await call('GET', importUrl);
    const progress = view.progress as { completed: number; total: number } | null;
    const line = `${view.status} ${progress ? `${progress.completed}/${progress.total} days` : ''}`.trim();
    if (line !== last) say(line);
    last = line;
    if (view.status === 'completed' || view.status === 'failed') {
      console.log(
        JSON.stringify({
          importId: view.importId,
          status: view.status,
          rowsWritten: view.rowsWritten,
          failure: view.failure,
        }),
      );
      process.exitCode = view.status === 'completed' ? 0 : 1;
      break;
    }
    if (Date.now() > deadline) throw new Error(`import did not end in time; see ${importUrl}`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
} catch (err) {
  console.error(`[demo] failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
