#!/usr/bin/env bash
# Device-to-device latency beyond a direct JACK wire, per call shape, in one run: starts a private JACK
# server (dummy driver, 48 kHz, PERIOD frames), then runs 'intercom latency' RUNS times for each shape:
# the default call, --profile low-latency with Opus and with L16, and each of those with --processes.
# Prints, per shape, the median and the range over the runs of what the call adds beyond the wire.
# Usage: scripts/measure-latency.sh [PERIOD] [RUNS]      (needs jackd2; run as root or with audio rights)
set -euo pipefail
cd "$(dirname "$0")/.."
period=${1:-256}; runs=${2:-5}
command -v jackd >/dev/null || { echo "needs jackd: apt-get install jackd2" >&2; exit 1; }
dotnet build -c Release samples/InterCom.Cli >/dev/null
cli=samples/InterCom.Cli/bin/Release/net10.0/intercom.dll
work=$(mktemp -d /tmp/intercom-latency.XXXXXX)
server="intercom-latency-$$"
jackd -n "$server" -t 2000 -d dummy -r 48000 -p "$period" -C 2 -P 2 >"$work/jackd.log" 2>&1 &
jack=$!
trap 'kill $jack 2>/dev/null || true; wait $jack 2>/dev/null || true; rm -rf "$work"' EXIT
export JACK_DEFAULT_SERVER="$server" JACK_NO_START_SERVER=1
for _ in $(seq 1 50); do jack_lsp >/dev/null 2>&1 && break; sleep 0.1; done

shapes=("default|" "low-latency opus|--profile low-latency" "low-latency pcm|--profile low-latency --codec pcm")
printf '%-34s %s\n' "shape (period $period frames)" "beyond the wire, ms: median (range) over $runs runs"
for shape in "${shapes[@]}"; do
  for processes in "" "--processes"; do
    name="${shape%%|*}${processes:+ --processes}"
    read -r -a opts <<<"${shape#*|} $processes"
    for r in $(seq 1 "$runs"); do
      dotnet "$cli" latency "${opts[@]}" --json "$work/$r.json" >/dev/null 2>"$work/$r.err" || { echo "$name: run $r failed: $(tail -1 "$work/$r.err")" >&2; rm -f "$work/$r.json"; }
    done
    python3 - "$work" "$name" "$runs" <<'PY'
import json, sys, glob, statistics
work, name, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
values = sorted(json.load(open(f))["beyondLoopMs"] for f in glob.glob(f"{work}/*.json"))
print(f"{name:34} {statistics.median(values):5.2f} ({values[0]:.2f}-{values[-1]:.2f})" if values else f"{name:34} no run succeeded")
PY
    rm -f "$work"/*.json
  done
done
