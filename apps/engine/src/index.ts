export { startEngine } from './start-engine.ts';
export { EventProcessor } from './domain/event-processor.ts';
