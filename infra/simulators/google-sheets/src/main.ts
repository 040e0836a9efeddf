import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startSheetsFake } from './app.ts';

// `node src/main.ts --port 8085 [--host 127.0.0.1] [--config fake.json]`
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8085' },
    host: { type: 'string', default: '127.0.0.1' },
    config: { type: 'string' },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`--port must be an integer 0..65535, got "${values.port}"`);
  process.exit(2);
}
const config = values.config ? JSON.parse(await readFile(values.config, 'utf8')) : undefined;
const fake = await startSheetsFake(config, { port, host: values.host });
console.log(`sheets fake listening on ${fake.url} (client rootUrl: ${fake.url}/)`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    fake.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
