import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../src/clock.ts';
import { baseConfig, ConfigError, loadConfig } from '../src/config.ts';
import { clockFromConfig, fileClock, nextOffset, parseClockFile } from '../src/simulated-clock.ts';

const env = { KAFKA_BROKERS: '127.0.0.1:9092', DATABASE_URL: 'postgres://u@h/db' };
const dirs: string[] = [];
const clockFile = (offsetMs: number) => {
  const dir = mkdtempSync(join(tmpdir(), 'clock-'));
  dirs.push(dir);
  const file = join(dir, 'clock.json');
  writeFileSync(file, JSON.stringify({ offsetMs }));
  return file;
};
// As the harness writes it: whole, by rename, so a reader never sees half a file.
const rewrite = (file: string, offsetMs: number) => {
  writeFileSync(`${file}.tmp`, JSON.stringify({ offsetMs }));
  renameSync(`${file}.tmp`, file);
};
const quiet = { warn() {}, info() {} };
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('simulated clock', () => {
  it('Given the file\'s text, When it is parsed, Then only {"offsetMs": integer} is accepted', () => {
    expect(parseClockFile('{"offsetMs": 86400000}')).toBe(86_400_000);
    expect(parseClockFile('{"offsetMs": -5}')).toBe(-5);
    expect(() => parseClockFile('{"offsetMs": 1.5}')).toThrow(/offsetMs/);
    expect(() => parseClockFile('86400000')).toThrow(/offsetMs/);
    expect(() => parseClockFile('{')).toThrow(/not JSON/);
  });

  it('Given an offset, When the file shows an earlier one, Then the clock keeps the later (it only moves forward)', () => {
    expect(nextOffset(1_000, 5_000)).toBe(5_000);
    expect(nextOffset(5_000, 1_000)).toBe(5_000);
  });

  it('Given a file a day ahead, When the harness steps it another day, Then now() follows and monotonicMs stays real', async () => {
    const day = 86_400_000;
    const file = clockFile(day);
    const clock = fileClock(file, { pollMs: 10, logger: quiet });
    try {
      const before = Date.now();
      expect(clock.now().getTime() - before).toBeGreaterThanOrEqual(day);
      expect(clock.now().getTime() - before).toBeLessThan(day + 1_000);
      const mono = clock.monotonicMs();
      rewrite(file, 2 * day);
      await vi.waitFor(() => expect(clock.offsetMs()).toBe(2 * day), { timeout: 2_000, interval: 10 });
      expect(clock.now().getTime() - Date.now()).toBeGreaterThanOrEqual(2 * day - 50);
      expect(clock.monotonicMs() - mono).toBeLessThan(2_000);
    } finally {
      clock.stop();
    }
  });

  it('Given a missing file, When the clock starts, Then it refuses with a ConfigError naming the variable', () => {
    expect(() => fileClock(join(tmpdir(), 'no-such-dir-x', 'clock.json'))).toThrow(/SIMULATED_CLOCK_FILE/);
    expect(() => fileClock(join(tmpdir(), 'no-such-dir-x', 'clock.json'))).toThrow(ConfigError);
  });

  it('Given NODE_ENV=production, When a simulated clock is configured, Then the configuration is refused', () => {
    const file = clockFile(0);
    expect(() => loadConfig(baseConfig, { ...env, SIMULATED_CLOCK_FILE: file, NODE_ENV: 'production' })).toThrow(
      /SIMULATED_CLOCK_FILE: a simulated clock is for simulations only/,
    );
    expect(loadConfig(baseConfig, { ...env, SIMULATED_CLOCK_FILE: file }).SIMULATED_CLOCK_FILE).toBe(file);
  });

  it('Given no SIMULATED_CLOCK_FILE, When a service takes its clock, Then it is the real one; given one, a warning says so', () => {
    const warn = vi.fn();
    expect(clockFromConfig({}, { warn, info() {} })).toBe(systemClock);
    expect(warn).not.toHaveBeenCalled();
    const clock = clockFromConfig({ SIMULATED_CLOCK_FILE: clockFile(3_600_000) }, { warn, info() {} });
    expect(clock).not.toBe(systemClock);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ offsetMs: 3_600_000 }),
      expect.stringMatching(/SIMULATED CLOCK/),
    );
    (clock as unknown as { stop(): void }).stop();
  });
});
