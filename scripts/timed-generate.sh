# Sourced by demo.sh and model-bench.sh.
# timed_generate LOG RUNS COMMAND...: runs a `--generate` COMMAND once to
# warm up (a fresh executable also maps its weights and starts its threads)
# and RUNS more times, each to LOG.N, and copies the run with the median
# decode speed to LOG. This 2-vCPU VM preempts one of two OpenMP threads
# now and then (whole runs read 2-10x slower; docs/performance.md), so one
# run is not a measurement.
timed_generate() {
  local log="$1" runs="$2"
  shift 2
  "$@" > "$log.0" 2>&1 || { cat "$log.0"; return 1; }
  local run
  for run in $(seq 1 "$runs"); do
    "$@" > "$log.$run" 2>&1 || { cat "$log.$run"; return 1; }
    echo "(run $run) $(grep 'decode' "$log.$run")"
  done
  local median
  median=$(for run in $(seq 1 "$runs"); do
    echo "$(sed -n 's/.*decode .*(\([0-9.]*\) tokens\/s).*/\1/p' "$log.$run") $run"
  done | sort -n | sed -n "$(((runs + 1) / 2))p" | cut -d' ' -f2)
  cp "$log.$median" "$log"
}
