# relaylock-check, relaylock and smtp-auth-checkpassword on a shared store
# (Redis on a Unix socket in a scratch directory, a password, values
# signed) against the directory store and env(1), each a ratio to a
# baseline run in the same loop; and the cost of a Redis that is down
# (nothing listens: refused at once) or stopped (the command timeout).
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 111
N=${BENCH_N:-1000}
R=$SCRATCH/redis
mkdir "$R" "$SCRATCH/locks" || exit 111
head -c 32 /dev/urandom > "$R/store.key"
echo benchpass > "$R/pass"
redis-server --port 0 --unixsocket "$R/sock" --unixsocketperm 700 --save '' --appendonly no \
  --dir "$R" --requirepass benchpass > "$R/log" 2>&1 &
REDIS_PID=$!
CLEANUP_PIDS="$CLEANUP_PIDS $REDIS_PID"
i=0; while [ ! -S "$R/sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -S "$R/sock" ] || { echo "bench-redis: redis-server did not start"; exit 1; }
export QSEND_STORE_KEYFILE="$R/store.key" QSEND_STORE_PASSFILE="$R/pass" RELAYLOCK_NEVER=""
REDIS="redis+unix://$R/sock"
# one lock in each store, written by relaylock itself
TCPREMOTEIP=10.0.200.7 USER=alice RELAYLOCK_STORE=$REDIS relaylock/relaylock /bin/true 2>/dev/null
TCPREMOTEIP=10.0.200.7 USER=alice RELAYLOCK_DIR=$SCRATCH/locks relaylock/relaylock /bin/true 2>/dev/null
echo "redis: $(redis-cli -s "$R/sock" -a benchpass --no-auth-warning dbsize) key(s)"

TCPREMOTEIP=10.0.200.7 RELAYLOCK_STORE=$REDIS tests/spawnbench $N \
  "relaylock-check PROG, locked client, Redis (goal 1.3)" env /bin/true -- relaylock/relaylock-check /bin/true
TCPREMOTEIP=10.0.200.7 RELAYLOCK_DIR=$SCRATCH/locks tests/spawnbench $N \
  "relaylock-check PROG, locked client, directory" env /bin/true -- relaylock/relaylock-check /bin/true
TCPREMOTEIP=10.0.200.7 tests/spawnbench $N "relaylock-check, Redis against the directory" \
  env RELAYLOCK_DIR=$SCRATCH/locks relaylock/relaylock-check /bin/true -- \
  env RELAYLOCK_STORE=$REDIS relaylock/relaylock-check /bin/true
TCPREMOTEIP=10.0.200.8 USER=alice RELAYLOCK_STORE=$REDIS tests/spawnbench $N \
  "relaylock PROG, writing a lock, Redis" env /bin/true -- relaylock/relaylock /bin/true

# the checker: a wrong password for a {PLAIN} user with the throttle
# counting (an address that is not trusted), Redis against the directory
printf 'alice:{PLAIN}secret\n' > "$SCRATCH/users"
smtp-auth-checkpassword/smtp-auth-mkdb "$SCRATCH/users.cdb" "$SCRATCH/users.tmp" < "$SCRATCH/users"
mkdir "$SCRATCH/state"
printf 'alice\000secret\000' > "$SCRATCH/in"
export CHKPW_USERS="$SCRATCH/users.cdb" CHKPW_MAXFAIL=1000000 SMTPAUTH=
TCPREMOTEIP=192.0.2.9 tests/spawnbench $N "smtp-auth-checkpassword, counting in Redis against the directory" \
  env CHKPW_STATE=$SCRATCH/state sh -c "exec smtp-auth-checkpassword/smtp-auth-checkpassword /bin/true 3<$SCRATCH/in" -- \
  env CHKPW_STORE=$REDIS sh -c "exec smtp-auth-checkpassword/smtp-auth-checkpassword /bin/true 3<$SCRATCH/in"

# Redis down: the socket is there, nobody listens (refused at once); then
# stopped: every command waits for QSEND_STORE_TIMEOUT (here 100 ms)
kill $REDIS_PID; wait $REDIS_PID 2>/dev/null
TCPREMOTEIP=10.0.200.7 RELAYLOCK_STORE=$REDIS tests/spawnbench 200 \
  "relaylock-check PROG, Redis down (refused)" env /bin/true -- relaylock/relaylock-check /bin/true 2>/dev/null
PORT=$(free_port)
redis-server --port $PORT --bind 127.0.0.1 --save '' --appendonly no --dir "$R" --requirepass benchpass \
  > "$R/log2" 2>&1 &
REDIS_PID=$!
CLEANUP_PIDS="$CLEANUP_PIDS $REDIS_PID"
wait_port $PORT || { echo "bench-redis: second redis-server did not start"; exit 1; }
kill -STOP $REDIS_PID
TCPREMOTEIP=10.0.200.7 RELAYLOCK_STORE=redis://127.0.0.1:$PORT QSEND_STORE_TIMEOUT=100 tests/spawnbench 10 \
  "relaylock-check PROG, Redis stopped, QSEND_STORE_TIMEOUT=100 (about 100 ms a run)" \
  env /bin/true -- relaylock/relaylock-check /bin/true 2>/dev/null
kill -CONT $REDIS_PID
