/** PBS (PBS Pro/OpenPBS or Torque) as a batch dialect: what core's batch machinery needs to drive qsub, qstat and qdel. */
import type { BatchDialect } from '@clustrix/core/scheduler';
import { FLAVOURS, INDEX_ENV, pbsOptionsShape, type PbsFlavour } from './flavour.js';
import { parseQsubId } from './parse.js';
import { qsubArgv, renderPbsScript } from './render.js';
import { pbsReports } from './report.js';

export function pbsDialect(flavour: PbsFlavour): BatchDialect {
  const traits = FLAVOURS[flavour];
  return {
    name: 'pbs',
    supports: traits.supports,
    arrayIndex: { env: INDEX_ENV, base: 0 },
    poll: { minMs: 250, maxMs: 30_000 },
    optionsShape: pbsOptionsShape,
    render: (spec) => renderPbsScript(spec, flavour),
    submitArgv: (scriptPath, spec) => qsubArgv(scriptPath, spec, flavour),
    parseJobId: parseQsubId,
    // ONE qstat for every outstanding job; -t lists array subjobs (only real PBS ids carry `[]`)
    statusArgv: (ids) => [['qstat', '-f', ...traits.qstatFlags, ...(ids.some((id) => id.includes('[')) ? ['-t'] : []), ...ids]],
    parseStatus: (outputs, ids) => pbsReports(flavour, outputs, ids),
    cancelArgv: (ids) => ['qdel', ...ids],
  };
}
