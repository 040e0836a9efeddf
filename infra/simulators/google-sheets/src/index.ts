export { A1ParseError, type A1Range, columnLetters, parseA1, quoteSheetName } from './a1.ts';
export { buildSheetsFake, type FakeDeps, type RunningSheetsFake, type SheetsFake, startSheetsFake } from './app.ts';
export { type FakeConfig, type FakeConfigInput, parseConfig, type SeedSpreadsheet } from './config.ts';
export type { Cell, NumberFormat, Scalar } from './model.ts';
export type { FakeMethod, FakeState, FaultKind, FaultRule, RequestRecord, TabInfo } from './state.ts';
