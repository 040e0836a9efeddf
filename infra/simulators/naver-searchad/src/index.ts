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
export { statRows } from './data/stat-rows.ts';
export { findOverlaps, type OriginSession, type Overlap, type TimedRequest } from './overlaps.ts';
export { type RecordedRequest, RequestRecorder } from './recorder.ts';
export { SimulatorState } from './state.ts';
