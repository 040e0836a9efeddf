import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { run } from './kafka-jars.ts';
import { repoRoot } from './paths.ts';

let answer: boolean | undefined;

/** Whether a Docker engine answers within a few seconds; asked once per process. */
export function dockerAnswers(): boolean {
  answer ??= spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 5000 }).status === 0;
  return answer;
}

export const composeFile = join(repoRoot, 'infra', 'docker-compose.yml');
const composeProject = 'reportline';

/** Starts the named services of infra/docker-compose.yml and waits for their health checks. */
export async function composeUp(services: string[]): Promise<() => Promise<void>> {
  await run('docker', ['compose', '-f', composeFile, '-p', composeProject, 'up', '-d', '--wait', ...services]);
  return async () => {
    await run('docker', ['compose', '-f', composeFile, '-p', composeProject, 'stop', ...services]);
  };
}
