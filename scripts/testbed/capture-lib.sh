# Helpers for the capture-*.sh scripts (sourced): run a real scheduler command as an ordinary user and
# store its output as a parser fixture:
#   # command: <exact command>
#   # context: <what the job(s) were doing>
#   # exit code: N
#   <raw stdout, byte for byte>
#   # stderr:            (only when stderr is non-empty)
#   <raw stderr>
# shellcheck shell=bash disable=SC2034  # variables here are used by the scripts that source this file
set -euo pipefail
CAP_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$CAP_HERE/lib.sh"
REPO=$(cd "$CAP_HERE/../.." && pwd)

# cap_init DIR: fixtures go to DIR; a scratch dir $W (world-writable) is where jobs run and write
cap_init() {
  FIX=$1; mkdir -p "$FIX"
  W=$(mktemp -d "/tmp/clustrix-capture.XXXXXX"); chmod 777 "$W"
  trap 'rm -rf "$W"' EXIT
  log "fixtures -> $FIX (scratch $W)"
}

# run_as USER CMD: run the shell line CMD as USER (login environment) in $W; stdout/stderr pass through
run_as() { runuser -l "$1" -c "cd $W && $2"; }

# cap FILE CONTEXT USER CMD: run CMD as USER in $W and write the fixture $FIX/FILE.
# Afterwards: CAP_OUT = stdout (trailing newlines stripped), CAP_RC = exit code.
cap() {
  local file=$1 context=$2 user=$3 cmd=$4 out err f
  out=$(mktemp); err=$(mktemp)
  set +e; runuser -l "$user" -c "cd $W && $cmd" >"$out" 2>"$err"; CAP_RC=$?; set -e
  f=$FIX/$file
  {
    printf '# command: %s\n# context: %s\n# exit code: %s\n' "$cmd" "$context" "$CAP_RC"
    cat "$out"
    if [ -s "$err" ]; then
      if [ -s "$out" ] && [ -n "$(tail -c1 "$out")" ]; then echo; fi   # the marker goes on its own line
      echo '# stderr:'; cat "$err"
    fi
  } >"$f"
  CAP_OUT=$(cat "$out"); rm -f "$out" "$err"
  log "$(printf '%-44s rc=%-3s %s' "$file" "$CAP_RC" "$(head -c 70 <<<"$CAP_OUT" | head -1)")"
}

# script NAME BODY: write an executable job script $W/NAME
script() { printf '%s\n' "$2" >"$W/$1"; chmod 755 "$W/$1"; }

# wait_for SECONDS DESCRIPTION CMD...: poll CMD every 0.5 s; die with DESCRIPTION on timeout
wait_for() {
  local n=$(($1 * 2)) what=$2; shift 2
  for _ in $(seq 1 "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  die "timed out after ${n}x0.5 s waiting for: $what"
}
