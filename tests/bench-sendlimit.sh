# sendlimit in front of the qmail-queue stand-in against the stand-in
# alone (same run, alternating), for a 10 KB and a 10 MB message, and the
# peak memory of each: sendlimit never reads the message (the real queue
# gets descriptor 0 untouched), so memory stays flat.
# Both sides run under the same sh -c that opens the envelope on
# descriptor 1 (spawnbench gives descriptor 0 only).
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 111
N=${BENCH_N:-1000}
BIG_N=$(( N / 10 > 20 ? N / 10 : 20 ))
DIR=$SCRATCH
mkdir "$DIR/store"
head -c 10240 /dev/urandom > "$DIR/10k"
head -c 10485760 /dev/urandom > "$DIR/10m"
printf 'Falice@example.com\000Tbob@example.org\000\000' > "$DIR/env"
export ENVELOPE="$DIR/env" SENDLIMIT_QUEUE="$PWD/tests/standins/qmail-queue" SENDLIMIT_STORE="dir:$DIR/store" \
  SENDLIMIT_RATES="msg:100000000/1h" SENDLIMIT_SURGE=0 SENDLIMIT_NETWORKS=0 \
  SMTPAUTHUSER=alice@example.com RELAYCLIENT= TCPREMOTEIP=192.0.2.7
unset QUEUE_DIR QUEUE_STATUS
with_envelope='exec "$0" 1<"$ENVELOPE"'
SPAWNBENCH_STDIN="$DIR/10k" tests/spawnbench $N "sendlimit + stand-in queue, 10 KB message, against the stand-in alone" \
  sh -c "$with_envelope" tests/standins/qmail-queue -- sh -c "$with_envelope" sendlimit/sendlimit
SPAWNBENCH_STDIN="$DIR/10m" tests/spawnbench $BIG_N "sendlimit + stand-in queue, 10 MB message, against the stand-in alone" \
  sh -c "$with_envelope" tests/standins/qmail-queue -- sh -c "$with_envelope" sendlimit/sendlimit
peak() {  # FILE PROGRAM: peak RSS in KiB of the whole run (wait4 counts the queue too)
  /usr/bin/time -f %M sh -c "$with_envelope" "$2" < "$1" 2>&1 >/dev/null | tail -n 1
}
echo "peak RSS, stand-in alone: 10 KB $(peak "$DIR/10k" tests/standins/qmail-queue) KiB, 10 MB $(peak "$DIR/10m" tests/standins/qmail-queue) KiB"
echo "peak RSS, sendlimit + stand-in: 10 KB $(peak "$DIR/10k" sendlimit/sendlimit) KiB, 10 MB $(peak "$DIR/10m" sendlimit/sendlimit) KiB"
echo "store after the runs: $(SENDLIMIT_STORE="dir:$DIR/store" sendlimit/sendlimit-list 2>/dev/null | cut -d' ' -f1,2)"
