/**
 * Son of Grid Engine as a batch dialect: `qsub -terse` to submit, ONE `qstat -xml` per status cycle
 * for every outstanding job, `qdel` to cancel, and — only for jobs that left qstat without an
 * exit-code marker in their folder — `qacct -j ID` in a second, conditional round trip (explainArgv).
 */
import type { BatchDialect, ResourceKey } from '@clustrix/core/scheduler';
import { sgeOptionsShape, sgeSettings } from './options.js';
import { qacctArgv, qacctReports } from './qacct.js';
import { parseQsubId, qstatReports } from './qstat.js';
import { parseSgeUsage, usageArgv } from './usage.js';
import { limitsArgv, parseSgeLimits } from './limits.js';
import { renderSgeScript } from './render.js';

/**
 * What SGE honours. Left out, so core refuses them before submission: `gpus` (no standard GPU
 * complex), `nodes`/`tasksPerNode` (PE allocation rules are site-specific), `qos`, `constraint`,
 * `exclusive` (needs a site-defined `exclusive` complex): use `directives` for what your site defines.
 */
export const SGE_SUPPORTS: readonly ResourceKey[] = [
  'cpus', 'memory', 'time', 'partition', 'queue', 'account', 'jobName', 'env', 'setup', 'modules', 'directives',
];

export const sgeDialect: BatchDialect = {
  name: 'sge',
  supports: new Set(SGE_SUPPORTS),
  arrayIndex: { env: 'SGE_TASK_ID', base: 1 },
  poll: { minMs: 250, maxMs: 30_000 },
  // SGE's kills (h_rt, h_vmem) leave no words of their own in a job's stderr: qacct explains them (explainArgv).
  // An allocation over h_vmem fails inside Node itself, whose heap-limit line core knows.
  killPatterns: { memory: [], time: [] },
  optionsShape: sgeOptionsShape,
  render: renderSgeScript,
  submitArgv: (scriptPath) => ['qsub', '-terse', scriptPath],
  parseJobId: parseQsubId,
  // Plain qstat lists the caller's jobs, running and pending, arrays task by task.
  statusArgv: () => [['qstat', '-xml']],
  parseStatus: qstatReports,
  cancelArgv: (ids) => ['qdel', ...ids],
  explainArgv: qacctArgv,
  parseExplain: qacctReports,
  usageArgv,
  parseUsage: parseSgeUsage,
  limitsArgv,
  parseLimits: parseSgeLimits,
  explainGraceMs: (profile) => sgeSettings(profile).accountingWaitMs,
};
