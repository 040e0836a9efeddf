import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../infra/packages/platform/src/metrics.ts';
import { repoRoot } from './config-docs.ts';

/** The rows of docs/metrics.md's table: name, type and the label names (the backticked words before any colon). */
function documented() {
  const doc = readFileSync(join(repoRoot, 'docs', 'metrics.md'), 'utf8');
  return doc
    .split('\n')
    .filter((l) => l.startsWith('| `reportline_'))
    .map((l) => {
      const [, name, type, labels] = l.split('|').map((c) => c.trim());
      const labelNames = (labels ?? '')
        .split(';')
        .flatMap((part) => part.split(':')[0]!.split(','))
        .map((s) => s.trim().replace(/`/g, ''))
        .filter(Boolean);
      return { name: name!.replace(/`/g, ''), type, labels: labelNames };
    });
}

describe('docs/metrics.md', () => {
  it('documents every declared metric, once, with its type and labels, and nothing else', () => {
    const rows = documented();
    const declared = Object.values(METRICS).map((m) => ({ name: m.name, type: m.type, labels: [...m.labels] }));
    expect(rows.map((r) => r.name).sort()).toEqual(declared.map((m) => m.name).sort());
    for (const m of declared) expect(rows.find((r) => r.name === m.name)).toEqual(m);
  });
});
