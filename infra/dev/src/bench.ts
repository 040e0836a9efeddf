// The one machine-readable line every `npm run bench -- <scenario>` ends with, so runs can be compared by a script
// without parsing each bench's prose. No imports: benches of packages that do not depend on @reportline/dev import
// this file by its path.

export type Figures = Record<string, number>;

export interface FiguresLine {
  scenario: string;
  figures: Figures;
}

const scenarioName = /^[a-z][a-z0-9-]*$/;

function checkFigures(scenario: unknown, figures: unknown): FiguresLine {
  if (typeof scenario !== 'string' || !scenarioName.test(scenario)) {
    throw new Error(`bench scenario must be a lowercase name like "lock", got ${JSON.stringify(scenario)}`);
  }
  if (typeof figures !== 'object' || figures === null || Array.isArray(figures)) {
    throw new Error(`figures of bench "${scenario}" must be an object of numbers`);
  }
  const entries = Object.entries(figures);
  if (entries.length === 0) throw new Error(`bench "${scenario}" reported no figures`);
  for (const [name, value] of entries) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Error(`figure "${name}" of bench "${scenario}" is ${String(value)}, not a finite number`);
    }
  }
  return { scenario, figures: figures as Figures };
}

/** Prints `{"scenario":…,"figures":{…}}` on stdout. Call it last, after the readable figures and any cleanup. */
export function reportFigures(scenario: string, figures: Figures): void {
  console.log(JSON.stringify(checkFigures(scenario, figures)));
}

/** The figures of a line printed by reportFigures(), or undefined for any other line. */
export function parseFiguresLine(line: string): FiguresLine | undefined {
  if (!line.startsWith('{"scenario":')) return undefined;
  try {
    const parsed = JSON.parse(line) as Partial<FiguresLine>;
    return checkFigures(parsed.scenario, parsed.figures);
  } catch {
    return undefined;
  }
}

/** Rounds to `digits` decimals, so the JSON line carries what the readable output shows and not float noise. */
export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
