#!/bin/sh
# relaylock-rules against the installed tcprules on the same 100,000-record
# rules file (medians of 5 runs, same run, as a ratio); then with 100,000
# active locks in the store; then a burst of 1,000 logins from new
# addresses in rules mode, counting the rebuilds.
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 111
PATH="$TOP/relaylock:$PATH"
unset RELAYLOCK_RULES RELAYLOCK_CDB RELAYLOCK_EXPIRY RELAYLOCK_V6PREFIX TCPREMOTEIP IP
RELAYLOCK_DIR=$SCRATCH/empty
RELAYLOCK_NEVER=""
export RELAYLOCK_DIR RELAYLOCK_NEVER
mkdir "$RELAYLOCK_DIR" "$SCRATCH/locks" "$SCRATCH/burst" || exit 111

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# median_ms RUNS COMMAND...: the median wall time of the command, stdin from $input.
median_ms() {
  runs=$1; shift
  k=0
  : > "$SCRATCH/times"
  while [ $k -lt "$runs" ]; do
    t0=$(date +%s%N)
    "$@" < "$input" > /dev/null 2>&1 || { echo "bench-rules: $* failed" >&2; exit 111; }
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000)) >> "$SCRATCH/times"
    k=$((k + 1))
  done
  sort -n "$SCRATCH/times" | sed -n "$(((runs + 1) / 2))p" | awk '{ printf "%.1f", $1 / 1000 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# A realistic mix: exact addresses, prefixes, variables, comments.
awk 'BEGIN {
  print "# 100,000 records"
  for (i = 0; i < 100000; i++) {
    a = int(i / 65536) + 10; b = int(i / 256) % 256; c = i % 256
    if (i % 10 == 0) printf "%d.%d.%d.%d:allow,RELAYCLIENT=\"\",RBLSMTPD=\"\"\n", a, b, c, 1
    else if (i % 10 == 1) printf "%d.%d.%d.:deny\n", a, b, c
    else printf "%d.%d.%d.%d:allow,GREETING=\"host %d\"\n", a, b, c, 2, i
  }
  print ":allow"
}' > "$SCRATCH/big.rules"
input=$SCRATCH/big.rules
timeout 60 tcprules "$SCRATCH/t.cdb" "$SCRATCH/t.tmp" < "$input" || exit 111
relaylock-rules "$SCRATCH/o.cdb" "$SCRATCH/o.tmp" < "$input" || exit 111
cmp -s "$SCRATCH/t.cdb" "$SCRATCH/o.cdb" && same=identical || same=DIFFERENT
t_tcprules=$(median_ms 5 timeout 60 tcprules "$SCRATCH/t.cdb" "$SCRATCH/t.tmp")
t_ours=$(median_ms 5 relaylock-rules "$SCRATCH/o.cdb" "$SCRATCH/o.tmp")
echo "100,000 records, no locks: tcprules ${t_tcprules} ms, relaylock-rules ${t_ours} ms," \
  "ratio $(ratio "$t_ours" "$t_tcprules") (cdb files $same)"

# 100,000 active locks, seeded in the directory store's layout (one file
# per key holding "LOGIN USER\n"): writing them through relaylock would
# take 100,000 process starts.
RELAYLOCK_DIR=$SCRATCH/locks
python3 - "$RELAYLOCK_DIR" <<'EOF' || exit 111
import os, sys, time
d = sys.argv[1]; t = int(time.time())
for i in range(100000):
    key = "172.%d.%d.%d" % (16 + i // 65536, (i // 256) % 256, i % 256)
    with open(os.path.join(d, key), "w") as f:
        f.write("%d user%d\n" % (t, i))
EOF
t_locks=$(median_ms 5 relaylock-rules "$SCRATCH/o.cdb" "$SCRATCH/o.tmp")
records=$(cdbdump < "$SCRATCH/o.cdb" | tr '\0' '|' | grep -c '^+')
echo "100,000 records + 100,000 locks: relaylock-rules ${t_locks} ms ($records records)," \
  "ratio to tcprules without locks $(ratio "$t_locks" "$t_tcprules")"

# A burst of 1,000 logins from new addresses in rules mode.
RELAYLOCK_DIR=$SCRATCH/burst
RELAYLOCK_RULES=$SCRATCH/small.rules
RELAYLOCK_CDB=$SCRATCH/burst.cdb
export RELAYLOCK_DIR RELAYLOCK_RULES RELAYLOCK_CDB
head -n 1000 "$SCRATCH/big.rules" > "$RELAYLOCK_RULES"
: > "$SCRATCH/burst.err"
t0=$(now_ms)
i=0
pids=""
while [ $i -lt 1000 ]; do
  TCPREMOTEIP=192.168.$((i / 250)).$((i % 250 + 1)) USER=u$i relaylock true 2>> "$SCRATCH/burst.err" &
  pids="$pids $!"
  i=$((i + 1))
done
wait $pids
t1=$(now_ms)
# Later rebuilds of a burst run in a detached process: wait for it.
settled 600
t2=$(now_ms)
rebuilds=$(grep -c 'relaylock: rebuild ' "$SCRATCH/burst.err")
locked=$(cdbdump < "$RELAYLOCK_CDB" | tr '\0' '|' | grep -c '^+[0-9]*,[0-9]*:192\.168\.')
echo "burst of 1,000 logins from new addresses: $rebuilds rebuild(s); logins took $((t1 - t0)) ms," \
  "last rebuild done $((t2 - t1)) ms later; $locked of 1000 addresses in the final cdb," \
  "$(grep -c warning "$SCRATCH/burst.err") warning(s)"
[ "$same" = identical ] && [ "$locked" -eq 1000 ]
