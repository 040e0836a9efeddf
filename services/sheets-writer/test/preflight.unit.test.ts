import { describe, expect, it } from 'vitest';
import { sheetNameProblems } from '../src/preflight.ts';

describe('sheetNameProblems', () => {
  it('Given an ordinary tab name (Korean too), Then there is no problem', () => {
    expect(sheetNameProblems('로우데이터')).toEqual([]);
    expect(sheetNameProblems('Report 2026')).toEqual([]);
  });

  it("Given a name in the writer's namespace, Then it is reserved and the action says to choose another", () => {
    for (const name of ['_reportline', '_Reportline_meta', '_reportline_probe_1', '_stage_abc']) {
      const [p] = sheetNameProblems(name);
      expect(p?.code).toBe('sheet-name-reserved');
      expect(p?.action).toContain('Choose another tab name');
    }
  });

  it('Given an empty, blank, too long or control-character name, Then it is invalid', () => {
    for (const name of ['', '   ', 'x'.repeat(101), 'a\nb']) {
      expect(sheetNameProblems(name)[0]?.code).toBe('sheet-name-invalid');
    }
  });
});
