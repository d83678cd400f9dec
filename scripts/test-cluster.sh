#!/usr/bin/env bash
# pnpm test:cluster — bring up the real testbeds (sshd, SLURM + slurmdbd, the PBS wrappers, SGE) on 127.0.0.1,
# then run the integration tests against them. Bringing services up needs root (Debian 12); as another user the
# services must already be running (sudo scripts/testbed/up.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ]; then
  bash scripts/testbed/up.sh
elif ! bash scripts/testbed/up.sh --check 2>/dev/null; then
  echo "test:cluster: the testbeds are not running; start them as root first: sudo bash scripts/testbed/up.sh" >&2
  exit 1
fi
exec node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects cluster --runInBand "$@"
