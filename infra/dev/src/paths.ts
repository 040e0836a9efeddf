import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file's place in infra/dev/src. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The git-ignored cache for downloaded jars and embedded database files. */
export const cacheDir = join(repoRoot, '.cache');
