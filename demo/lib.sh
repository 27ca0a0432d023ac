# Shared by the demonstration parts: paths, a scratch directory removed on
# exit, servers stopped on exit, and a way to say things.
TOP=$(cd "$(dirname "$0")/.." && pwd)
DEMO=$(mktemp -d /tmp/qsend-demo.XXXXXX) || exit 111
chmod 755 "$DEMO"
# Copies the mailbox user (uid 65534) can run wherever the tree is.
STANDINS=$DEMO/standins
mkdir "$DEMO/bin" "$STANDINS" || exit 111
cp "$TOP"/relaylock/relaylock* "$TOP"/smtp-auth-checkpassword/smtp-auth-* "$TOP"/bounce-fmt/bounce-fmt "$DEMO/bin/" 2>/dev/null
rm -f "$DEMO"/bin/*.*
cp "$TOP"/tests/standins/* "$STANDINS/"
chmod 755 "$DEMO/bin" "$STANDINS" "$DEMO"/bin/* "$STANDINS"/*
PATH="$DEMO/bin:$PATH"
export PATH
SERVERS=""
trap 'for p in $SERVERS; do kill $p 2>/dev/null; done; wait 2>/dev/null; rm -rf "$DEMO"' EXIT
trap 'exit 1' INT TERM
say() { printf '%s\n' "$*" | fold -s -w 78; }
step() { echo; echo "== $*"; }
show() { sed 's/^/    /'; }
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_port() { i=0; while ! tcpclient -R -H 127.0.0.1 $1 true 2>/dev/null; do i=$((i+1)); [ $i -gt 100 ] && return 1; sleep 0.05; done; }
serve() {  # PORT LOG PROGRAM... : a tcpserver on 127.0.0.1 in the background
  port=$1 log=$2; shift 2
  tcpserver -R -H -l demo.test 127.0.0.1 $port "$@" 2>>"$log" &
  SERVERS="$SERVERS $!"
  wait_port $port
}
