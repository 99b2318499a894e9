# shellcheck shell=bash
# CPU accounting from /proc, sourced by tools/bench and tools/ramp (bash; no forks per read).
#
#   cpu_ticks PID            utime+stime of the whole process (every thread, live or exited), in ticks
#   thread_snapshot PID      one line per live thread: "tid<TAB>comm<TAB>utime+stime ticks"
#   thread_ticks NAME START END  CPU ticks of the threads named NAME between two snapshots
#   thread_report START END WALL_S TICK OUT
#                            per-thread-name CPU between two snapshots of one process, as % of a
#                            core over WALL_S seconds, into OUT (grouped, then per thread); prints
#                            the top three groups (of those at 0.5% or more) on one line, e.g. "gameport-game 61%, java 3%, GC 2%"
#
# Thread names are the kernel's comm (15 bytes at most). Groups: GC Thread#N and G1 ... -> "GC",
# C1/C2 CompilerThre -> "JIT", and any other name minus its trailing numbers (-N, #N): netty-loop-1-1
# -> netty-loop, iou-wrk-1234 -> iou-wrk (io_uring's kernel workers, which are tasks of the process).
# A thread that exited inside the window is missing from the END snapshot, so the groups can add up
# to a little less than the process's total (which counts exited threads too).

cpu_ticks() {
  local line rest
  read -r line 2>/dev/null < "/proc/$1/stat" || return 1
  rest=${line##*") "}
  local -a f
  read -ra f <<<"$rest"
  # f[0] is field 3 (state); utime and stime are fields 14 and 15.
  echo $((f[11] + f[12]))
}

thread_snapshot() {
  local stat line rest tid comm
  local -a f
  for stat in /proc/"$1"/task/*/stat; do
    read -r line 2>/dev/null < "$stat" || continue # the thread exited meanwhile
    tid=${line%% *}
    rest=${line##*") "}
    comm=${line#*" ("}
    comm=${comm%")"*}
    read -ra f <<<"$rest"
    printf '%s\t%s\t%s\n' "$tid" "$comm" $((f[11] + f[12]))
  done
}

thread_report() {
  local start=$1 end=$2 wall=$3 tick=$4 out=$5 groups
  groups=$(awk -F'\t' -v t="$tick" -v w="$wall" '
      function group(c) {
        if (c ~ /^GC Thread/ || c ~ /^G1 /) return "GC"
        if (c ~ /^C[12] CompilerThre/) return "JIT"
        sub(/([-#][0-9]+)+$/, "", c)
        return c
      }
      NR == FNR { s[$1] = $3; next }
      { d = $3 - (($1 in s) ? s[$1] : 0); g = group($2); cpu[g] += d; n[g]++ }
      END { for (g in cpu) printf "%.1f\t%s\t%d\n", 100 * cpu[g] / t / w, g, n[g] }' "$start" "$end" \
    | sort -t "$(printf '\t')" -k1,1nr -k2,2)
  {
    echo "# server CPU per thread name over ${wall} s, % of one core (utime+stime from /proc/<pid>/task/*/stat)"
    echo "# group  %core  threads"
    awk -F'\t' '{ printf "%-18s %6.1f%%  %d\n", $2, $1, $3 }' <<<"$groups"
    echo
    echo "# per thread: tid  name  %core"
    awk -F'\t' -v t="$tick" -v w="$wall" 'NR == FNR { s[$1] = $3; next }
        { d = $3 - (($1 in s) ? s[$1] : 0); printf "%.1f\t%s\t%s\n", 100 * d / t / w, $1, $2 }' "$start" "$end" \
      | sort -t "$(printf '\t')" -k1,1nr | awk -F'\t' '{ printf "%-8s %-16s %6.1f%%\n", $2, $3, $1 }'
  } > "$out"
  awk -F'\t' '$1 >= 0.5 && k < 3 { printf "%s%s %.0f%%", (k++ ? ", " : ""), $2, $1 }
               END { print (k ? "" : "-") }' <<<"$groups"
}

thread_ticks() {
  awk -F'\t' -v name="$1" 'NR == FNR { s[$1] = $3; next }
      $2 == name { d += $3 - (($1 in s) ? s[$1] : 0); found = 1 }
      END { if (found) print d }' "$2" "$3"
}
