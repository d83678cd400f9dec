/** @clustrix/cli — the `clustrix` command as a library (tests, embedding). */
export { main, buildProgram } from './main.js';
export { formatTable, formatAge, formatRecordState } from './format.js';
export { provenance, type ProvenanceEntry } from './commands/config.js';
export { ClustrixDoctor } from './doctor-job.js';
