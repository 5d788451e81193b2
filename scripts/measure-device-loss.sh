#!/usr/bin/env bash
# How fast a call notices that its JACK server has gone, and how fast it plays again once the server is
# back: a JACK server of its own (dummy driver) under an `intercom call --output jack:system`, stopped
# and started RUNS times. Prints, per run, the time from stopping the server to the call's "lost" line,
# and from starting it again to jack_wait's answer and to the call's "is back" line. Needs jackd2 (scripts/test.sh installs it).
# Usage: scripts/measure-device-loss.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
dotnet build -c Release samples/InterCom.Cli >/dev/null
cli=samples/InterCom.Cli/bin/Release/net10.0/intercom.dll
work=$(mktemp -d /tmp/intercom-device-loss.XXXXXX)
export JACK_DEFAULT_SERVER="icm$$" JACK_NO_AUDIO_RESERVATION=1
jack_pid=""; call_pid=""
start_jack() { jackd -n "$JACK_DEFAULT_SERVER" -t 2000 -d dummy -r 48000 -p 256 -C 2 -P 2 >>"$work/jackd.log" 2>&1 & jack_pid=$!; jack_wait -w -t 10 >/dev/null 2>&1; }
stop_jack() { kill "$jack_pid"; wait "$jack_pid" 2>/dev/null || true; }
cleanup() { [ -n "$call_pid" ] && kill "$call_pid" 2>/dev/null; [ -n "$jack_pid" ] && kill "$jack_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
ms() { date +%s%3N; }
start_jack
dotnet "$cli" call --listen "127.0.0.1:$((20000 + RANDOM % 20000))" --peer 127.0.0.1:9 --input tone:440 --output jack:system --client-name icm --quiet 2>"$work/call.log" &
call_pid=$!
until jack_lsp 2>/dev/null | grep -q '^icm:out_0$'; do
  kill -0 "$call_pid" 2>/dev/null || { echo "the call ended:" >&2; cat "$work/call.log" >&2; exit 1; }
  sleep 0.05
done
printf '%-5s %-22s %-26s %s\n' run "lost line after (ms)" "server answering after (ms)" "back line after (ms)"
for run in $(seq 1 "$runs"); do
  sleep 2
  lost_before=$(grep -c ' lost: ' "$work/call.log" || true); back_before=$(grep -c 'is back' "$work/call.log" || true)
  t0=$(ms); stop_jack
  until [ "$(grep -c ' lost: ' "$work/call.log" || true)" -gt "$lost_before" ]; do sleep 0.005; done
  t1=$(ms); sleep 2
  t2=$(ms); start_jack; t2b=$(ms)
  until [ "$(grep -c 'is back' "$work/call.log" || true)" -gt "$back_before" ]; do sleep 0.005; done
  t3=$(ms)
  printf '%-5s %-22s %-26s %s\n' "$run" "$((t1 - t0))" "$((t2b - t2))" "$((t3 - t2))"
done
