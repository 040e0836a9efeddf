export {
  buildSimulator,
  type RunningSimulator,
  type Simulator,
  type SimulatorDeps,
  type StartOptions,
  startSimulator,
} from './app.ts';
export {
  knobsSchema,
  parseKnobPatch,
  parseSimulatorConfig,
  type SimCustomer,
  type SimKnobs,
  type SimulatorConfig,
  type SimulatorConfigInput,
  simulatorConfigSchema,
} from './config.ts';
export { entitiesFor } from './data/entities.ts';
export { masterRows } from './data/master-rows.ts';
export { type Row, statRows } from './data/stat-rows.ts';
export { findOverlaps, type OriginSession, type Overlap, type TimedRequest } from './overlaps.ts';
export { ENDPOINTS, type Endpoint, type RecordedRequest, RequestRecorder, type RequestStats } from './recorder.ts';
export { revisionAt, type StatTruthCustomer, statReportRows, statReportTsv } from './stat-truth.ts';
export { SimulatorState } from './state.ts';
