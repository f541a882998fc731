export { startApi, type RunningApi } from './start-api.ts';
export { createApp, type ApiDeps } from './entry-points/http/create-app.ts';
