# repeat.awk -- the rows of several bench/run.sh results files (Report's fixed columns), one line
# per scenario and system: every run's ratio to bare runc (or, without one, its median), their
# median, and the target judged on that median where a median can judge it. mawk has no sort:
# medians sort by insertion.
function trim(s) { gsub(/^ +| +$/, "", s); return s }
function median(list,    v, k, i, j, t) {
  k = split(list, v, " ")
  for (i = 2; i <= k; i++) { t = v[i] + 0; for (j = i - 1; j >= 1 && v[j] + 0 > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
  if (k == 0) return ""
  return (k % 2) ? v[(k + 1) / 2] + 0 : (v[k / 2] + v[k / 2 + 1]) / 2
}
function judge(target, ratio, value,    bound) {
  if (target ~ /^<=[0-9.]+x$/) { bound = substr(target, 3) + 0; return ratio <= bound ? "yes" : "NO" }
  if (target ~ /^<=[0-9.]+ /) { bound = substr(target, 3) + 0; return value <= bound ? "yes" : "NO" }
  if (target ~ /^>=[0-9.]+ /) { bound = substr(target, 3) + 0; return value >= bound ? "yes" : "NO" }
  return "-"
}
/^------/ { table = 1; next }
/^notes:/ { table = 0; next }
table && /^ *$/ { next }
table {
  key = trim(substr($0, 1, 22)) SUBSEP trim(substr($0, 24, 24))
  if (!(key in runs)) order[++keys] = key
  runs[key]++
  values[key] = values[key] " " trim(substr($0, 55, 10))
  r = trim(substr($0, 95, 7))
  if (r != "-") ratios[key] = ratios[key] " " r
  unit[key] = trim(substr($0, 88, 6))
  t = trim(substr($0, 103, 14))
  if (t != "") target[key] = t
  # the one-shot's second target, against containerd, is in the note: "0.52x ctr_run (target <0.5)"
  if (match($0, /[0-9.]+x ctr_run \(target <[0-9.]+\)/)) {
    split(substr($0, RSTART, RLENGTH), c, /[x<)]/)
    ctr[key] = ctr[key] " " c[1]; ctrBound[key] = c[3] + 0
  }
}
END {
  printf "%-22s %-24s %4s %-36s %9s %-6s %-14s %s\n", "scenario", "system", "runs", "each run (x runc, else median)", "median", "unit", "target", "ok (median)"
  for (i = 1; i <= keys; i++) {
    k = order[i]; split(k, parts, SUBSEP)
    value = median(values[k])
    if (k in ratios) { each = ratios[k]; m = sprintf("%.2fx", median(ratios[k])) } else { each = values[k]; m = value }
    printf "%-22s %-24s %4d %-36s %9s %-6s %-14s %s\n", parts[1], parts[2], runs[k], substr(each, 2), m,
      (k in ratios) ? "x runc" : unit[k], (k in target) ? target[k] : "", (k in target) ? judge(target[k], median(ratios[k]), value) : ""
    if (k in ctr) {
      r = median(ctr[k])
      printf "%-22s %-24s %4d %-36s %8.2fx %-6s %-14s %s\n", parts[1], parts[2] " / ctr_run", split(substr(ctr[k], 2), c, " "),
        substr(ctr[k], 2), r, "x ctr", "<" ctrBound[k] "x", r < ctrBound[k] ? "yes" : "NO"
    }
  }
}
