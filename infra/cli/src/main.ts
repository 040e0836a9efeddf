#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { apiClient, Failure } from './api.ts';
import { parseArgs, USAGE } from './args.ts';
import { type Io, run } from './commands.ts';

/** Reads the secret from stdin: piped as it is (one trailing newline dropped), typed on a terminal without echo. */
async function readSecretFromStdin(): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  }
  process.stderr.write('NAVER secret (not shown): ');
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve) => {
    let secret = '';
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          done();
          resolve(secret);
          return;
        }
        if (ch === '\u0003') {
          done();
          process.exit(130);
        }
        if (ch === '\u007f' || ch === '\b') secret = secret.slice(0, -1);
        else secret += ch;
      }
    };
    stdin.on('data', onData);
  });
}

function processIo(): Io {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    write: (text) => process.stdout.write(text),
    err: (line) => process.stderr.write(`${line}\n`),
    isTTY: process.stdout.isTTY === true,
    env: process.env,
    readSecretFromStdin,
    readFile: (path) => readFile(path, 'utf8'),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => new Date(),
    interrupted: (onInterrupt) => {
      const handler = () => {
        onInterrupt();
        process.exit(130);
      };
      process.once('SIGINT', handler);
      return () => process.off('SIGINT', handler);
    },
    pollMs: 500,
  };
}

function connectionSettings(env: NodeJS.ProcessEnv): { baseUrl: string; token: string } {
  const baseUrl = env.REPORTLINE_URL;
  const token = env.REPORTLINE_TOKEN;
  if (!baseUrl) throw new Failure("reportline: REPORTLINE_URL is not set (the scheduler's URL)", 2);
  if (!token) throw new Failure('reportline: REPORTLINE_TOKEN is not set (an API token of your tenant)', 2);
  try {
    const url = new URL(baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new Failure(`reportline: REPORTLINE_URL is not an http(s) URL: '${baseUrl}'`, 2);
  }
  return { baseUrl, token };
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`reportline: ${parsed.error} (see \`reportline help\`)\n`);
    return 2;
  }
  if (parsed.command.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    return await run(parsed.command, apiClient(connectionSettings(process.env)), processIo());
  } catch (err) {
    if (err instanceof Failure) {
      process.stderr.write(`${err.line}\n`);
      return err.exitCode;
    }
    process.stderr.write(`reportline: unexpected error: ${(err as Error).message ?? err}\n`);
    return 1;
  }
}

// A reader that went away (`reportline imports list | head`) is no error of ours.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
process.exitCode = await main(process.argv.slice(2));
