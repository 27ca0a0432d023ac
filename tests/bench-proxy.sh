# proxy-remoteip in front of the chain against the chain without it (same
# run, alternating): the cost a front end's PROXY header adds per connection.
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 111
N=${BENCH_N:-1000}
DIR=$SCRATCH
printf '\r\n\r\n\000\r\nQUIT\n\041\021\000\014\300\000\002\007\306\063\144\001\303\213\000\031' > "$DIR/v2"
printf 'PROXY TCP4 192.0.2.7 198.51.100.1 50123 25\r\n' > "$DIR/v1"
mkdir "$DIR/locks"
export TCPREMOTEIP=127.0.0.1 PROXY_TRUSTED=127.0.0.1 RELAYLOCK_DIR="$DIR/locks"
PATH="$PWD/proxy-remoteip:$PWD/relaylock:$PATH"
SPAWNBENCH_STDIN="$DIR/v2" tests/spawnbench $N "proxy-remoteip PROG (v2 header) against env PROG" \
  env /bin/true -- proxy-remoteip/proxy-remoteip /bin/true
SPAWNBENCH_STDIN="$DIR/v2" tests/spawnbench $N "proxy-remoteip relaylock-check PROG against relaylock-check PROG" \
  relaylock/relaylock-check /bin/true -- proxy-remoteip/proxy-remoteip relaylock/relaylock-check /bin/true
SPAWNBENCH_STDIN="$DIR/v1" tests/spawnbench $N "proxy-remoteip PROG (v1 line, read byte by byte) against env PROG" \
  env /bin/true -- proxy-remoteip/proxy-remoteip /bin/true
