/** The FAKE Kubernetes API server used by this package's tests. See api-server.ts. */
export { FakeKubeApiServer, type FakeKubeOptions, type RecordedRequest } from './api-server.js';
export type { KubeObject } from './store.js';
