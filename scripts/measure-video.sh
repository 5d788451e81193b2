#!/usr/bin/env bash
# Video figures of docs/video.md, in one run on loopback: a one-to-one 640x360 at 30 fps video call
# (each end sends the test pattern and writes what it receives to a Y4M file), then the same through
# 'intercom relay --loss 5', on loopback with --no-lip-sync (the video path's own delay), and through
# 'intercom relay --delay 20 --jitter 20' with --no-lip-sync (the frame buffer's wait). Prints, from each receiving end's --stats-json: glass-to-glass delay p50 and
# p95 (read from the stamps), decode time, frames sent/decoded/dropped, NACKs, retransmissions, freezes;
# and CPU per endpoint (% of one core, from /proc, after start-up) next to GStreamer doing the same job at the same
# time (per endpoint: videotestsrc ! vp8enc (realtime, CBR) ! rtpvp8pay ! udpsink, and udpsrc !
# rtpjitterbuffer ! rtpvp8depay ! vp8dec ! y4menc ! filesink), its CPU from /proc over the same span.
# Usage: scripts/measure-video.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
dotnet build -c Release samples/InterCom.Cli >/dev/null
cli=samples/InterCom.Cli/bin/Release/net10.0/intercom.dll
work=$(mktemp -d /tmp/intercom-video.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
hz=$(getconf CLK_TCK)
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
base=$((20000 + RANDOM % 20000))

call() { # PORT PEER NAME [extra...]
  local port=$1 peer=$2 name=$3; shift 3
  dotnet "$cli" call --listen "127.0.0.1:$port" --peer "127.0.0.1:$peer" --input tone:440 --output "$work/$name.wav" \
    --video testsrc --video-out "$work/$name.y4m" --duration "$seconds" --quiet --stats-json "$work/$name.json" "$@" 2>/dev/null
}

# 1. Loopback, with GStreamer's pair running alongside.
call "$base" $((base + 1)) a & a=$!
call $((base + 1)) "$base" b & b=$!
gst=()
for i in 0 1; do
  timeout -k 2 "$seconds" gst-launch-1.0 -q videotestsrc is-live=true ! video/x-raw,format=I420,width=640,height=360,framerate=30/1 \
    ! vp8enc deadline=1 lag-in-frames=0 end-usage=cbr target-bitrate=1000000 cpu-used=8 keyframe-max-dist=150 error-resilient=default \
    ! rtpvp8pay pt=97 picture-id-mode=15-bit mtu=1200 ! udpsink host=127.0.0.1 port=$((base + 11 - i)) >/dev/null 2>&1 &
  gst+=($!)
  timeout -k 2 "$seconds" gst-launch-1.0 -q udpsrc address=127.0.0.1 port=$((base + 10 + i)) \
    caps="application/x-rtp,media=video,clock-rate=90000,encoding-name=VP8,payload=97" ! rtpjitterbuffer latency=50 \
    ! rtpvp8depay ! vp8dec ! y4menc ! filesink location="$work/gst-$i.y4m" >/dev/null 2>&1 &
  gst+=($!)
done
sleep 0.5
gpids=(); for p in "${gst[@]}"; do gpids+=("$(pgrep -P "$p" gst-launch-1.0 || echo "$p")"); done
gpids+=("$(pgrep -P "$a" dotnet)" "$(pgrep -P "$b" dotnet)")  # ours last, one process per endpoint
sleep 2
start=(); for p in "${gpids[@]}"; do start+=("$(ticks "$p")"); done
t0=$(date +%s.%N)
sleep $((seconds - 4))
t1=$(date +%s.%N)
end=(); for p in "${gpids[@]}"; do end+=("$(ticks "$p")"); done
wait "$a" "$b"
for p in "${gst[@]}"; do wait "$p" || true; done
cpu=$(python3 -c "
s=[$(IFS=,; echo "${start[*]}")]; e=[$(IFS=,; echo "${end[*]}")]; span=$t1-$t0
g=[((e[i]-s[i])+(e[i+1]-s[i+1]))/$hz/span*100 for i in (0,2)]; o=[(e[i]-s[i])/$hz/span*100 for i in (4,5)]
print(' '.join(str(round(x,1)) for x in g+o))")

# 2. Without lip sync: the video path's own delay; beside it GStreamer's VP8 chain measured the same way:
#    frames stamped as the test pattern stamps them (frame number and capture time, written by a Python
#    source into fdsrc as they are made) through vp8enc ! rtpvp8pay ! udpsink, and udpsrc !
#    rtpjitterbuffer ! rtpvp8depay ! vp8dec ! y4menc into a Python sink that reads each stamp on arrival.
cat > "$work/stamp-source.py" <<'SRC'
import sys, time, os
W, H, FPS, SECONDS = 640, 360, 30, float(sys.argv[1])
y_base = bytearray([128]) * (W * H)
chroma = bytes([128]) * ((W // 2) * (H // 2) * 2)
out = os.fdopen(sys.stdout.fileno(), 'wb', buffering=0)
start = time.monotonic()
n = 0
while time.monotonic() - start < SECONDS:
    due = start + n / FPS
    while time.monotonic() < due:
        time.sleep(max(0, due - time.monotonic()))
    y = bytearray(y_base)
    ms = int(time.time() * 1000) & 0xFFFFFFFF
    for row_top, value in ((0, n), (16, ms)):
        for bit in range(32):
            level = 235 if (value >> (31 - bit)) & 1 else 16
            block = bytes([level]) * 16
            for r in range(row_top, row_top + 16):
                o = r * W + bit * 16
                y[o:o + 16] = block
    out.write(bytes(y) + chroma)
    n += 1
SRC
cat > "$work/stamp-sink.py" <<'SINK'
import sys, time, statistics
inp = sys.stdin.buffer
header = inp.readline().split()
W = int([h for h in header if h.startswith(b'W')][0][1:]); H = int([h for h in header if h.startswith(b'H')][0][1:])
size = W * H * 3 // 2
delays = []
def read_row(y, top):
    v = 0
    for bit in range(32):
        s = 0
        for r in range(top + 4, top + 12):
            o = r * W + bit * 16 + 4
            s += sum(y[o:o + 8])
        m = s // 64
        if 80 < m < 170: return None
        v = (v << 1) | (1 if m >= 170 else 0)
    return v
while True:
    line = inp.readline()
    if not line: break
    frame = inp.read(size)
    if len(frame) < size: break
    now = int(time.time() * 1000) & 0xFFFFFFFF
    ms = read_row(frame, 16)
    if ms is not None:
        d = (now - ms) & 0xFFFFFFFF
        if d < 10000: delays.append(d)
delays.sort()
if delays:
    print(f"frames {len(delays)} p50 {delays[len(delays)//2]} ms p95 {delays[int(0.95*(len(delays)-1))]} ms")
else:
    print("no stamped frames")
SINK
call $((base + 30)) $((base + 31)) nosync-a --no-lip-sync & a=$!
call $((base + 31)) $((base + 30)) nosync-b --no-lip-sync & b=$!
(timeout $((seconds + 3)) gst-launch-1.0 -q udpsrc address=127.0.0.1 port=$((base + 40)) \
   caps="application/x-rtp,media=video,clock-rate=90000,encoding-name=VP8,payload=97" ! rtpjitterbuffer ! rtpvp8depay ! vp8dec \
   ! video/x-raw,format=I420 ! y4menc ! fdsink fd=1 | python3 "$work/stamp-sink.py" > "$work/gst-glass.txt") & g=$!
sleep 1
python3 "$work/stamp-source.py" $((seconds - 2)) | gst-launch-1.0 -q fdsrc fd=0 blocksize=345600 \
  ! rawvideoparse width=640 height=360 format=i420 framerate=30/1 \
  ! vp8enc deadline=1 lag-in-frames=0 end-usage=cbr target-bitrate=1000000 cpu-used=8 keyframe-max-dist=150 error-resilient=default \
  ! rtpvp8pay pt=97 picture-id-mode=15-bit mtu=1200 ! udpsink host=127.0.0.1 port=$((base + 40)) sync=false
wait "$a" "$b" "$g" || true

# 3. Through the relay: 5 % loss each way.
dotnet "$cli" relay --listen "127.0.0.1:$((base + 20))" --forward "127.0.0.1:$((base + 21))" --loss 5 --seed 3 --duration $((seconds + 2)) --quiet 2>/dev/null & r=$!
sleep 0.5
call $((base + 22)) $((base + 20)) lossy-a & a=$!
call $((base + 21)) $((base + 20)) lossy-b & b=$!
wait "$a" "$b"; kill "$r" 2>/dev/null || true

# 4. Through the relay with 20 ms ± 20 ms of delay each way, without lip sync: the frame buffer's own wait.
dotnet "$cli" relay --listen "127.0.0.1:$((base + 50))" --forward "127.0.0.1:$((base + 51))" --delay 20 --jitter 20 --seed 3 --duration $((seconds + 2)) --quiet 2>/dev/null & r=$!
sleep 0.5
call $((base + 52)) $((base + 50)) jitter-a --no-lip-sync & a=$!
call $((base + 51)) $((base + 50)) jitter-b --no-lip-sync & b=$!
wait "$a" "$b"; kill "$r" 2>/dev/null || true

python3 - "$work" "$cpu" <<'PY'
import json, sys
work, cpu = sys.argv[1], [float(v) for v in sys.argv[2].split()]
def show(name):
    d = json.load(open(f"{work}/{name}.json")); v = d["video"]; g = v.get("glassToGlassMs") or {}
    print(f"{name:8} glass-to-glass p50 {g.get('p50','-')} ms p95 {g.get('p95','-')} ms, decode {v['decodeMs']:.2f} ms, "
          f"sent {v['framesSent']} decoded {v['framesDecoded']} dropped {v['framesDropped']}, NACKs {v['nacksSent']}, "
          f"retransmitted {v['packetsRetransmitted']}, recovered {v['packetsRecovered']}, keyframes asked {v['keyframesRequested']}, "
          f"freeze {v['freezeMs']} ms (longest {v['longestFreezeMs']} ms), A/V sync {v.get('avSyncMs')} ms, audio playout delay {d['peers'][0]['playoutDelayMs']} ms")
for n in ("a", "b", "nosync-a", "nosync-b", "lossy-a", "lossy-b", "jitter-a", "jitter-b"):
    show(n)
print("GStreamer chain, glass to glass (stamped frames):", open(f"{work}/gst-glass.txt").read().strip())
print(f"CPU per endpoint, % of one core from 2.5 s in to the end, both pairs at once: intercom {cpu[2]} %, {cpu[3]} %; GStreamer (send + receive process) {cpu[0]} %, {cpu[1]} %")
PY
