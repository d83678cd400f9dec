#!/usr/bin/env bash
# Regenerate the parser fixtures from the real schedulers of this testbed (run as root after up.sh):
#   packages/schedulers-slurm/test/fixtures   capture-slurm.sh (+ capture-slurm-aged.sh with CAPTURE_AGED=1)
#   packages/schedulers-sge/test/fixtures     capture-sge.sh
#   packages/schedulers-pbs/test/fixtures     capture-pbs.sh
#   packages/schedulers-pbs/test/fixtures/openpbs   capture-openpbs.sh (only when asked: openpbs)
# ~4 min (+2 min aged). Existing files are overwritten, files no script writes any more are kept (the
# READMEs there list which files are hand-kept). Job ids, times and the scratch path differ per run.
#   capture-fixtures.sh [slurm] [sge] [pbs]      (default: all three)
# CAPTURE_AGED=1 also runs capture-slurm-aged.sh, which restarts SLURM twice (MinJobAge 2, then back to
# 300): do not use it while someone else relies on the running SLURM.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
WHAT=${*:-slurm sge pbs}
for w in $WHAT; do
  case $w in
    slurm) "$HERE/capture-slurm.sh"
           if [ "${CAPTURE_AGED:-0}" = 1 ]; then "$HERE/capture-slurm-aged.sh"; fi ;;
    sge) "$HERE/capture-sge.sh" ;;
    pbs) "$HERE/capture-pbs.sh" ;;
    openpbs) "$HERE/capture-openpbs.sh" ;;
    *) echo "usage: $0 [slurm] [sge] [pbs] [openpbs]" >&2; exit 2 ;;
  esac
done
