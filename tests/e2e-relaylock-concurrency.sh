# Parallel logins, checks, expiries and revokes on one store for a few
# seconds: no error, no torn lock (a locked address never reads as
# unlocked while its lock is being refreshed), and the expected final state.
. "$(dirname "$0")/lib.sh"

STORE=$SCRATCH/store
mkdir "$STORE"
export RELAYLOCK_DIR="$STORE" RELAYLOCK_NEVER=""
unset RELAYLOCK_RULES RELAYLOCK_CDB RELAYLOCK_EXPIRY RELAYCLIENT
SECONDS_TO_RUN=${CONCURRENCY_SECONDS:-4}

set_a=$(seq 1 30 | sed 's/^/10.1.0./')   # refreshed all the time, must always relay
set_b=$(seq 1 30 | sed 's/^/10.2.0./')   # logged in and revoked over and over
set_c=$(seq 1 30 | sed 's/^/10.3.0./')   # expired: the expirer must remove them
for a in $set_a; do TCPREMOTEIP=$a USER=a relaylock true 2>/dev/null; done
old=$(( $(date +%s) - 3600 ))
for a in $set_c; do printf '%s c\n' $old > "$STORE/$a"; done

end=$(( $(date +%s) + SECONDS_TO_RUN ))
writer() {  # SET
  while [ "$(date +%s)" -lt $end ]; do
    for a in $1; do TCPREMOTEIP=$a USER=w relaylock true || echo "writer exit $?"; done
  done
}
checker() {
  while [ "$(date +%s)" -lt $end ]; do
    for a in $set_a; do
      r=$(TCPREMOTEIP=$a relaylock-check sh -c 'echo ${RELAYCLIENT-unset}')
      [ "$r" = "" ] || echo "torn: $a read as $r"
    done
  done
}
expirer() { while [ "$(date +%s)" -lt $end ]; do relaylock-expire || echo "expire exit $?"; done; }
revoker() { while [ "$(date +%s)" -lt $end ]; do relaylock-revoke $set_b || echo "revoke exit $?"; done; }
lister() { while [ "$(date +%s)" -lt $end ]; do relaylock-list > /dev/null || echo "list exit $?"; done; }

i=0
for job in "writer \"\$set_a\"" "writer \"\$set_a\"" "writer \"\$set_b\"" checker checker expirer revoker lister; do
  i=$((i + 1))
  eval "$job" > $SCRATCH/job$i.out 2> $SCRATCH/job$i.err &
done
wait

problems=$(cat $SCRATCH/job*.out)
same "no torn lock and no failed exit in $i parallel jobs" "$problems" ""
warnings=$(cat $SCRATCH/job*.err | grep -v ': lock ip=\|: relay ip=\|: revoked lock=' | head -5)
same "no warning or error from any program" "$warnings" ""
checks=$(grep -c ': relay ip=' $SCRATCH/job4.err $SCRATCH/job5.err | awk -F: '{s+=$2} END {print s}')
check "the checkers really ran ($checks relayed checks)" [ "$checks" -gt 30 ]

relaylock-revoke $set_b 2>/dev/null
expected=$(echo "$set_a" | sort | tr '\n' ' ')
final=$(relaylock-list | cut -d' ' -f1 | sort | tr '\n' ' ')
same "final state: exactly the refreshed set is locked" "$final" "$expected"
same "the expired set is gone from the store" "$(ls "$STORE" | grep -c '^10\.3\.')" "0"
same "no temporary file is left behind" "$(ls -A "$STORE" | grep -c '^\.tmp')" "0"
finish
