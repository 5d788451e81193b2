#!/usr/bin/env bash
# Whole-process cost of calls on this machine: a mesh of N `intercom call` processes on loopback
# (N = 2 is a one-to-one call), each sending a tone to all the others and writing what it hears to a
# WAV file, for SECONDS. Prints, per N: CPU per endpoint (% of one core), garbage collections per
# minute per endpoint (gen0/gen1/gen2), allocation rate, and packets lost or concealed.
# Usage: scripts/measure-cpu.sh [SECONDS] [N ...] [-- extra call options, e.g. --opus-library managed]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}; shift || true
sizes=(); extra=()
while [ $# -gt 0 ]; do
  if [ "$1" = "--" ]; then shift; extra=("$@"); break; fi
  sizes+=("$1"); shift
done
[ ${#sizes[@]} -gt 0 ] || sizes=(2 4 8 16)
dotnet build -c Release samples/InterCom.Cli >/dev/null
cli=samples/InterCom.Cli/bin/Release/net10.0/intercom.dll
work=$(mktemp -d /tmp/intercom-measure.XXXXXX)
trap 'rm -rf "$work"' EXIT
printf '%-9s %-14s %-22s %-12s %-10s %s\n' endpoints "cpu/endpoint" "gc/min (g0/g1/g2)" "alloc MB/s" "lost" "concealed"
for n in "${sizes[@]}"; do
  base=$((20000 + RANDOM % 20000))
  pids=()
  for i in $(seq 0 $((n - 1))); do
    peers=()
    for j in $(seq 0 $((n - 1))); do [ "$i" = "$j" ] || peers+=(--peer "127.0.0.1:$((base + j))"); done
    dotnet "$cli" call --listen "127.0.0.1:$((base + i))" "${peers[@]}" --input "tone:$((300 + 40 * i))" \
      --output "$work/$n-$i.wav" --duration "$seconds" --quiet --stats-json "$work/$n-$i.json" "${extra[@]}" 2>/dev/null &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  python3 - "$work" "$n" "$seconds" <<'PY'
import json, sys, glob
work, n, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
docs = [json.load(open(f)) for f in sorted(glob.glob(f"{work}/{n}-*.json"))]
cpu = sum(d["process"]["cpuSeconds"] / d["process"]["wallSeconds"] for d in docs) / len(docs) * 100
minutes = sum(d["process"]["wallSeconds"] for d in docs) / len(docs) / 60
gc = [sum(d["process"][f"gen{g}Collections"] for d in docs) / len(docs) / minutes for g in range(3)]
alloc = sum(d["process"]["allocatedBytes"] / d["process"]["wallSeconds"] for d in docs) / len(docs) / 1e6
lost = sum(p["packetsLost"] for d in docs for p in d["peers"])
concealed = sum(p["framesConcealed"] for d in docs for p in d["peers"])
print(f"{n:<9} {cpu:5.1f} %        {gc[0]:5.1f}/{gc[1]:4.1f}/{gc[2]:4.1f}          {alloc:6.2f}       {lost:<10} {concealed}")
PY
done
