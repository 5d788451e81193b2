#!/usr/bin/env bash
# CPU of a one-to-one call against GStreamer doing the same job, in one run: two endpoints on loopback,
# each sending a tone as Opus (10 ms frames, 32 kb/s) over RTP/UDP and writing what it hears to a WAV
# file. GStreamer's endpoints: audiotestsrc ! opusenc ! rtpopuspay ! udpsink, and udpsrc ! rtpjitterbuffer
# ! rtpopusdepay ! opusdec ! wavenc ! filesink. Steady state: each process's CPU time (utime + stime from
# /proc) between 5 s after it started and the end, over that wall time; start-up: over its whole life.
# Both pairs run at the same time (together they use a fraction of the 2 cores), so that a machine
# whose speed drifts between runs weighs on both alike. Prints % of one core per endpoint for both, and
# the ratio intercom / GStreamer. (GStreamer is stopped with
# SIGTERM: its WAV headers are not finished, which the CPU figures do not need.)
# Usage: scripts/measure-vs-gstreamer.sh [SECONDS] [-- extra intercom call options]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}; shift || true
[ "${1:-}" = "--" ] && shift
extra=("$@")
command -v gst-launch-1.0 >/dev/null || { echo "needs gst-launch-1.0: apt-get install gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good" >&2; exit 1; }
dotnet build -c Release samples/InterCom.Cli >/dev/null
cli=samples/InterCom.Cli/bin/Release/net10.0/intercom.dll
work=$(mktemp -d /tmp/intercom-vs-gst.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
hz=$(getconf CLK_TCK)
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# Samples the CPU ticks of the given pids at 5 s and just before the end; prints steady % of one core per pid.
steady() {
  local pids=("$@") at5=() atend=()
  sleep 5
  for p in "${pids[@]}"; do at5+=("$(ticks "$p")"); done
  local t0; t0=$(date +%s.%N)
  sleep $((seconds - 6))
  local t1; t1=$(date +%s.%N)
  for p in "${pids[@]}"; do atend+=("$(ticks "$p")"); done
  for i in "${!pids[@]}"; do
    python3 -c "print(round(($((${atend[$i]} - ${at5[$i]}))/$hz) / ($t1 - $t0) * 100, 2))"
  done
}

base=$((20000 + RANDOM % 20000))
# intercom: two call processes.
pids=()
for i in 0 1; do
  dotnet "$cli" call --listen "127.0.0.1:$((base + i))" --peer "127.0.0.1:$((base + 1 - i))" --input "tone:$((440 + 220 * i))" \
    --output "$work/ic-$i.wav" --duration "$seconds" --quiet --stats-json "$work/ic-$i.json" "${extra[@]}" 2>/dev/null &
  pids+=($!)
done

# GStreamer: per endpoint a sending and a receiving gst-launch process (one process holding both
# branches did not start its sender here), their CPU summed.
gpids=()
for i in 0 1; do
  timeout -k 2 "$seconds" gst-launch-1.0 -q \
    audiotestsrc is-live=true wave=sine freq=$((440 + 220 * i)) ! audio/x-raw,rate=48000,channels=1 \
      ! opusenc frame-size=10 bitrate=32000 ! rtpopuspay ! udpsink host=127.0.0.1 port=$((base + 10 + 1 - i)) >/dev/null 2>&1 &
  gpids+=($!)
  timeout -k 2 "$seconds" gst-launch-1.0 -q \
    udpsrc address=127.0.0.1 port=$((base + 10 + i)) caps="application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=96" \
      ! rtpjitterbuffer ! rtpopusdepay ! opusdec ! wavenc ! filesink location="$work/gst-$i.wav" >/dev/null 2>&1 &
  gpids+=($!)
done
gst_pids=()
sleep 0.5
for p in "${gpids[@]}"; do gst_pids+=("$(pgrep -P "$p" gst-launch-1.0 || echo "$p")"); done
mapfile -t all < <(steady "${pids[@]}" "${gst_pids[@]}")
for p in "${pids[@]}"; do wait "$p"; done
for p in "${gpids[@]}"; do wait "$p" || true; done
ic_steady=("${all[0]}" "${all[1]}")
gst_parts=("${all[@]:2}")
gst_steady=("$(python3 -c "print(${gst_parts[0]} + ${gst_parts[1]})")" "$(python3 -c "print(${gst_parts[2]} + ${gst_parts[3]})")")
received=$(du -b "$work"/gst-*.wav | awk '{ printf "%s ", $1 }')

python3 - "$work" "${ic_steady[@]}" "${gst_steady[@]}" "$received" <<'PY'
import json, sys
work, values = sys.argv[1], [float(v) for v in sys.argv[2:6]]
ic, gst = values[:2], values[2:]
docs = [json.load(open(f"{work}/ic-{i}.json")) for i in range(2)]
life = [d["process"]["cpuSeconds"] / d["process"]["wallSeconds"] * 100 for d in docs]
heard = [sum(p["packetsReceived"] for p in d["peers"]) for d in docs]
mean = lambda xs: sum(xs) / len(xs)
print(f"intercom   steady {mean(ic):5.2f} % per endpoint ({ic[0]:.2f}, {ic[1]:.2f}); with start-up {mean(life):5.2f} %; packets heard {heard}")
print(f"GStreamer  steady {mean(gst):5.2f} % per endpoint ({gst[0]:.2f}, {gst[1]:.2f}); WAV bytes written {sys.argv[-1]}")
print(f"ratio      steady {mean(ic) / mean(gst):.2f}")
PY
