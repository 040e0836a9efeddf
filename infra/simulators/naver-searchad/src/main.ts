import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startSimulator } from './app.ts';

// node src/main.ts --port <P> --config <file.json> [--host 127.0.0.1]
const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: { port: { type: 'string', default: '0' }, config: { type: 'string' }, host: { type: 'string' } },
});

if (!values.config) {
  console.error('usage: node src/main.ts --port <P> --config <file.json> [--host 127.0.0.1]');
  process.exit(2);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be an integer 0..65535, got ${values.port}`);
  process.exit(2);
}

let config: unknown;
try {
  config = JSON.parse(await readFile(values.config, 'utf8'));
} catch (error) {
  console.error(`cannot read config ${values.config}: ${(error as Error).message}`);
  process.exit(2);
}

try {
  const simulator = await startSimulator(config, { port, host: values.host });
  console.log(`naver-searchad simulator listening on ${simulator.url}`);
  const stop = async () => {
    await simulator.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
