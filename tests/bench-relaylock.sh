# relaylock-check and relaylock against env(1), with 100,000 active locks
# in the store; each line is a ratio to a baseline run in the same loop.
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 111
N=${BENCH_N:-1000}
STORE=$SCRATCH/locks
mkdir "$STORE" || exit 111
python3 - "$STORE" <<'PY'
import os, sys, time
d = sys.argv[1]; now = int(time.time())
for i in range(100000):
    a = "10.%d.%d.%d" % (i >> 16, (i >> 8) & 255, i & 255)
    with open(os.path.join(d, a), "w") as f:
        f.write("%d user%d\n" % (now - i % 500, i))
PY
echo "store: $(ls "$STORE" | wc -l) active locks"
export RELAYLOCK_DIR="$STORE" RELAYLOCK_NEVER=""
PATH="$PWD/relaylock:$PATH"
TCPREMOTEIP=10.0.200.7 tests/spawnbench $N "relaylock-check PROG, locked client (limit 0.9)" \
  env /bin/true -- relaylock/relaylock-check /bin/true
TCPREMOTEIP=192.0.2.1 tests/spawnbench $N "relaylock-check PROG, unlocked client" \
  env /bin/true -- relaylock/relaylock-check /bin/true
TCPREMOTEIP=10.0.200.8 USER=alice tests/spawnbench $N "relaylock PROG, writing a lock (limit 1.0)" \
  env /bin/true -- relaylock/relaylock /bin/true
