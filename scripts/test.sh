#!/usr/bin/env bash
# The full test run, for a fresh Debian 12 machine: installs what the tests need (as root), starts a
# JACK server with its dummy driver (no sound card needed), runs every test, and stops the server it
# started whatever the outcome. Usage: scripts/test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*" >&2; }

# 1. Native packages: PortAudio, the JACK server and its tools, libopus-dev (its libopus.so is the name
#    under which Concentus finds native libopus), GStreamer (the independent peer of the interop
#    tests: RTP/Opus and RTP/VP8, and SRTP through libsrtp), libvpx and SDL2 (VP8 video and its
#    window), Xvfb with xwd (a display for the window test, and its screenshot), libspeexdsp (echo
#    cancellation, noise suppression, resampling), espeak-ng (speech for the echo tests) and Debian's
#    chromium (the independent WebRTC peer).
need=()
for pkg in libportaudio2 jackd2 libopus-dev gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad \
           libvpx7 libsdl2-2.0-0 libv4l-0 xvfb x11-apps libspeexdsp1 espeak-ng chromium; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing packages: ${need[*]}; run as root, or: sudo apt-get install ${need[*]}"
    exit 1
  fi
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  echo "jackd2 jackd/tweak_rt_limits boolean false" | debconf-set-selections
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# GStreamer scans its plugins on its first run (seconds on a fresh machine): done here, not inside a
# test whose peer must be listening when the call's first keyframe goes out.
gst-inspect-1.0 vp8dec >/dev/null

# 2. A JACK server with the dummy driver: 48 kHz, 256-frame periods, 2 in / 2 out.
runtime=$(mktemp -d /tmp/intercom-test.XXXXXX)
jack_pid=""
cleanup() {
  if [ -n "$jack_pid" ] && kill -0 "$jack_pid" 2>/dev/null; then
    kill "$jack_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$jack_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$jack_pid" 2>/dev/null || true
  fi
  rm -rf "$runtime"
}
trap cleanup EXIT

if jack_lsp >/dev/null 2>&1; then
  log "a JACK server is already running; using it"
else
  log "starting jackd (dummy driver, 48 kHz, 256 frames)"
  JACK_NO_AUDIO_RESERVATION=1 jackd -R -t 2000 -d dummy -r 48000 -p 256 -C 2 -P 2 >"$runtime/jackd.log" 2>&1 &
  jack_pid=$!
  # Waiting for an external server's start-up is the one place a retry belongs.
  if ! timeout 20 jack_wait -w -t 15 >/dev/null 2>&1; then
    log "jackd did not start:"; cat "$runtime/jackd.log" >&2
    exit 1
  fi
fi

# 3. Every test, in Release (as users run it).
log "dotnet test"
set +e
dotnet test InterCom.Core.sln -c Release --logger "console;verbosity=normal" \
  --logger "trx;LogFileName=intercom.trx" --results-directory "$runtime/results" "$@"
status=$?
set -e
trx=$(find "$runtime/results" -name '*.trx' 2>/dev/null | head -n 1)
if [ -n "$trx" ]; then
  counters=$(grep -o '<Counters [^>]*' "$trx" | head -n 1)
  count() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  total=$(count total); passed=$(count passed); failed=$(count failed)
  note=""
  [ $status -ne 0 ] && [ "$failed" = "0" ] && note=" (the test run did not complete: see above)"
  printf 'tests: %s passed, %s failed, %s skipped%s\n' "$passed" "$failed" "$((total - $(count executed)))" "$note"
fi
[ $status -eq 0 ] || { log "jackd log:"; tail -n 20 "$runtime/jackd.log" 2>/dev/null >&2 || true; }
exit $status
