#!/bin/sh
# proxy-remoteip under the real tcpserver, then behind the real HAProxy
# (send-proxy-v2) and the real stunnel4 (protocol = proxy, TLS), on
# loopback: what the chain sees, what reaches it byte for byte, and every
# way a hostile or broken header is refused.
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH" || exit 111
unset PROXY_TRUSTED PROXY_TIMEOUT PROXY_OPTIONAL PROXY_RULES RELAYCLIENT RBLSMTPD RELAYLOCK_USER

# The chain's end: what it was told, then the session's first line as it arrived.
cat > show <<'SHOW'
#!/bin/sh
echo "ip=$TCPREMOTEIP port=$TCPREMOTEPORT local=$TCPLOCALIP:$TCPLOCALPORT fe=${PROXY_FRONTENDIP-unset} relay=${RELAYCLIENT-unset} rbl=${RBLSMTPD-unset} host=${TCPREMOTEHOST-unset} greeting=${GREETING-unset}"
IFS= read -r line
echo "got=$line"
SHOW
chmod 755 show

# client.py PORT SOURCE PAYLOAD [DELAY]: connects from SOURCE, sends PAYLOAD
# (Python escapes; with DELAY, one byte every DELAY seconds), prints what
# comes back until the server closes (bounded: 10 s), then "closed".
cat > client.py <<'PY'
import socket, sys, time, codecs
port, source, payload = int(sys.argv[1]), sys.argv[2], codecs.escape_decode(sys.argv[3])[0]
delay = float(sys.argv[4]) if len(sys.argv) > 4 else 0
s = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
try:
    if delay:
        for b in payload:
            s.sendall(bytes([b])); time.sleep(delay)
    else:
        s.sendall(payload)
except OSError:
    pass
out = b""
try:
    while True:
        d = s.recv(4096)
        if not d: break
        out += d
except OSError:
    pass
sys.stdout.write(out.decode("latin-1")); print("closed")
PY

start_server() {  # LOG PORT ENV... -- then the chain after proxy-remoteip
  log=$1; port=$2; shift 2
  env "$@" tcpserver -R -H -l proxy.test 127.0.0.1 $port proxy-remoteip ./show 2>"$log" &
  CLEANUP_PIDS="$CLEANUP_PIDS $!"
  wait_port $port || not_ok "tcpserver on $port did not start"
}
client() { python3 client.py "$@" 2>/dev/null; }

# tcpserver's rules for the front end's address: a loopback rule that would
# make every proxied client a relay client.
printf '127.:allow,RELAYCLIENT="",RBLSMTPD=""\n' > fe.rules
tcprules fe.cdb fe.tmp < fe.rules
P=$(free_port)
start_server main.log $P PROXY_TRUSTED=127.0.0.1 PROXY_TIMEOUT=1000
v1='PROXY TCP4 192.0.2.7 198.51.100.1 50123 25\r\n'
v2_sig='\r\n\r\n\x00\r\nQUIT\n'
v2="$v2_sig"'\x21\x11\x00\x0c\xc0\x00\x02\x07\xc6\x33\x64\x01\xc3\x8b\x00\x19'

same "v1: the chain sees the client, the front end is kept, the session's bytes arrive untouched" \
  "$(client $P 127.0.0.1 "${v1}EHLO client.test\r\n")" \
  "$(printf 'ip=192.0.2.7 port=50123 local=198.51.100.1:25 fe=127.0.0.1 relay=unset rbl=unset host=unset greeting=unset\ngot=EHLO client.test\r\nclosed')"
same "v2: the same from the binary header" \
  "$(client $P 127.0.0.1 "${v2}EHLO client.test\r\n")" \
  "$(printf 'ip=192.0.2.7 port=50059 local=198.51.100.1:25 fe=127.0.0.1 relay=unset rbl=unset host=unset greeting=unset\ngot=EHLO client.test\r\nclosed')"
same "v2 IPv6: the compact spelling tcpserver uses" \
  "$(client $P 127.0.0.1 "$v2_sig"'\x21\x21\x00\x24\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x07\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x01\xbb\x01\xd1x\n' | head -n 1 | cut -d' ' -f1-3)" \
  "ip=2001:db8::7 port=443 local=2001:db8::1:465"
contains "one log line names the client and the front end" main.log '^proxy-remoteip: proxy ip=192\.0\.2\.7 port=50123 frontend=127\.0\.0\.1 v1$'

# What a rule for the front end's address set is not the client's.
FE=$(free_port)
env PROXY_TRUSTED=127.0.0.1 tcpserver -R -H -x fe.cdb -l proxy.test 127.0.0.1 $FE proxy-remoteip ./show 2>fe.log &
CLEANUP_PIDS="$CLEANUP_PIDS $!"
wait_port $FE
same "a loopback RELAYCLIENT rule for the front end does not reach proxied clients (no open relay)" \
  "$(client $FE 127.0.0.1 "${v1}x\n" | head -n 1 | cut -d' ' -f5-6)" "relay=unset rbl=unset"

# Health checks run nothing.
same "v2 LOCAL (a health check): closed, nothing run" "$(client $P 127.0.0.1 "$v2_sig"'\x20\x00\x00\x00')" "closed"
same "v1 UNKNOWN: the same" "$(client $P 127.0.0.1 'PROXY UNKNOWN\r\n')" "closed"
contains "... logged as a health check" main.log '^proxy-remoteip: health check frontend=127\.0\.0\.1 v2$'

# Refusals: each closes, runs nothing, logs one line.
refused() {  # DESCRIPTION PATTERN CLIENT-ARGS...
  d=$1; pattern=$2; shift 2
  : > main.log.before; cp main.log main.log.before
  out=$(client "$@")
  same "$d: closed, nothing run" "$out" "closed"
  new=$(diff main.log.before main.log | grep '^>' | sed 's/^> //')
  same "$d: one log line" "$(echo "$new" | grep -c .)" 1
  case $new in *$pattern*) ok "$d: the line says why";; *) not_ok "$d: the line says why ($new)";; esac
}
refused "no header (the client's EHLO)" "not a PROXY header" $P 127.0.0.1 'EHLO client.test\r\n'
refused "truncated v1 (the client waits)" "no complete header within 1000 ms" $P 127.0.0.1 'PROXY TCP4 192.0.2.7'
refused "oversized v1" "oversized v1 header" $P 127.0.0.1 "PROXY TCP4 $(printf '%0200d' 1)"'\r\n'
refused "v1 with a bad address" "address malformed" $P 127.0.0.1 'PROXY TCP4 192.0.2.300 198.51.100.1 1 2\r\n'
refused "v1 with a bad port" "port malformed" $P 127.0.0.1 'PROXY TCP4 192.0.2.7 198.51.100.1 99999 2\r\n'
refused "wrong v2 signature" "not a PROXY header" $P 127.0.0.1 '\r\n\r\n\x00\r\nQUIX\n\x21\x11\x00\x0c'
refused "v2 UNIX family" "family or protocol" $P 127.0.0.1 "$v2_sig"'\x21\x31\x00\xd8'"$(printf '%0216d' 0)"
refused "v2 with a lying TLV length" "TLVs malformed" $P 127.0.0.1 "$v2_sig"'\x21\x11\x00\x0f\xc0\x00\x02\x07\xc6\x33\x64\x01\xc3\x8b\x00\x19\x05\x00\x09'
refused "v2 oversized" "oversized v2 header" $P 127.0.0.1 "$v2_sig"'\x21\x11\xff\xff'
refused "v2 whose length promises more than is sent" "no complete header within 1000 ms" $P 127.0.0.1 "$v2_sig"'\x21\x11\x00\x64\xc0\x00'
refused "slowloris (one byte every 0.3 s)" "no complete header within 1000 ms" $P 127.0.0.1 "$v1" 0.3
# An untrusted peer (127.0.0.2 is not the front end).
refused "an untrusted peer" "not in PROXY_TRUSTED" $P 127.0.0.2 "${v1}x\n"
O=$(free_port)
start_server optional.log $O PROXY_TRUSTED=127.0.0.1 PROXY_OPTIONAL=1
same "PROXY_OPTIONAL=1: an untrusted peer is a direct client, without a header" \
  "$(client $O 127.0.0.2 'EHLO direct\r\n' | head -n 1 | cut -d' ' -f1,4)" "ip=127.0.0.2 fe=unset"
same "... a trusted front end still must send one" "$(client $O 127.0.0.1 'EHLO direct\r\n')" "closed"
N=$(free_port)
start_server nobody.log $N
same "no PROXY_TRUSTED: nobody is trusted" "$(client $N 127.0.0.1 "${v1}x\n")" "closed"

# PROXY_RULES: tcpserver's rules for the real client.
printf '192.0.2.66:deny\n192.0.2.7:allow,GREETING="hello seven"\n198.51.100.:allow,RELAYCLIENT=""\n:allow\n' > real.rules
tcprules real.cdb real.tmp < real.rules
R=$(free_port)
start_server rules.log $R PROXY_TRUSTED=127.0.0.1 PROXY_RULES=$SCRATCH/real.cdb
same "PROXY_RULES: the client's exact rule sets its variables" \
  "$(client $R 127.0.0.1 "${v1}x\n" | head -n 1 | sed 's/.*greeting=//')" "hello seven"
same "PROXY_RULES: a prefix rule, as tcpserver matches it" \
  "$(client $R 127.0.0.1 'PROXY TCP4 198.51.100.9 198.51.100.1 1 25\r\nx\n' | head -n 1 | cut -d' ' -f5)" "relay="
same "PROXY_RULES: a deny closes the connection" \
  "$(client $R 127.0.0.1 'PROXY TCP4 192.0.2.66 198.51.100.1 1 25\r\nx\n')" "closed"
contains "... with one line" rules.log '^proxy-remoteip: deny ip=192\.0\.2\.66 frontend=127\.0\.0\.1 \(PROXY_RULES\)$'
M=$(free_port)
start_server missing.log $M PROXY_TRUSTED=127.0.0.1 PROXY_RULES=$SCRATCH/none.cdb
same "PROXY_RULES missing: closed, as tcpserver -x does" "$(client $M 127.0.0.1 "${v1}x\n")" "closed"

# A bad setting closes everything.
B=$(free_port)
start_server bad.log $B PROXY_TRUSTED=example.com
same "a malformed PROXY_TRUSTED: closed" "$(client $B 127.0.0.1 "${v1}x\n")" "closed"
contains "... said once" bad.log '^proxy-remoteip: fatal: PROXY_TRUSTED has a bad item example\.com; closing$'

# --- The real HAProxy, send-proxy-v2, in front of tcpserver, with relaylock.
if command -v haproxy >/dev/null; then
  mkdir locks
  export RELAYLOCK_DIR=$SCRATCH/locks RELAYLOCK_NEVER=""
  TCPREMOTEIP=127.0.0.2 relaylock true 2>/dev/null  # 127.0.0.2 logged in over POP
  BACK=$(free_port); FRONT=$(free_port)
  env PROXY_TRUSTED=127.0.0.1 tcpserver -R -H -x fe.cdb -l proxy.test 127.0.0.1 $BACK \
    proxy-remoteip relaylock-check ./show 2>haproxy-chain.log &
  CLEANUP_PIDS="$CLEANUP_PIDS $!"
  cat > haproxy.cfg <<CFG
global
  maxconn 50
defaults
  mode tcp
  timeout connect 2s
  timeout client 10s
  timeout server 10s
frontend smtp
  bind 127.0.0.1:$FRONT
  default_backend hosts
backend hosts
  server one 127.0.0.1:$BACK send-proxy-v2
CFG
  haproxy -f haproxy.cfg -db >haproxy.out 2>&1 &
  CLEANUP_PIDS="$CLEANUP_PIDS $!"
  wait_port $BACK; wait_port $FRONT || not_ok "haproxy did not start"
  same "HAProxy: the locked client 127.0.0.2 is seen and relays" \
    "$(client $FRONT 127.0.0.2 'EHLO a\r\n' | head -n 1 | cut -d' ' -f1,4,5)" "ip=127.0.0.2 fe=127.0.0.1 relay="
  same "HAProxy: 127.0.0.3, never logged in, does not (the front end's rule is gone)" \
    "$(client $FRONT 127.0.0.3 'EHLO a\r\n' | head -n 1 | cut -d' ' -f1,4,5)" "ip=127.0.0.3 fe=127.0.0.1 relay=unset"
  same "HAProxy: the session's bytes arrive untouched" "$(client $FRONT 127.0.0.3 'EHLO a\r\n' | sed -n 2p)" "$(printf 'got=EHLO a\r')"
  contains "HAProxy: relaylock-check decided on the real address" haproxy-chain.log '^relaylock-check: relay ip=127\.0\.0\.2 '
else
  for i in 1 2 3 4; do ok "# SKIP haproxy is not installed"; done
fi

# --- The real stunnel4: TLS on the outside, a PROXY v1 line inside.
if command -v stunnel4 >/dev/null && command -v openssl >/dev/null; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=proxy.test -keyout mail.pem -out mail.pem 2>/dev/null
  cat mail.pem >/dev/null
  SBACK=$(free_port); SFRONT=$(free_port)
  env PROXY_TRUSTED=127.0.0.1 tcpserver -R -H -x fe.cdb -l proxy.test 127.0.0.1 $SBACK \
    proxy-remoteip relaylock-check ./show 2>stunnel-chain.log &
  CLEANUP_PIDS="$CLEANUP_PIDS $!"
  cat > stunnel.conf <<CONF
foreground = yes
pid =
[smtps]
accept = 127.0.0.1:$SFRONT
connect = 127.0.0.1:$SBACK
cert = $SCRATCH/mail.pem
protocol = proxy
CONF
  stunnel4 stunnel.conf >stunnel.out 2>&1 &
  CLEANUP_PIDS="$CLEANUP_PIDS $!"
  wait_port $SBACK; wait_port $SFRONT || not_ok "stunnel did not start"
  cat > tls.py <<'PY'
import socket, ssl, sys
port, source = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
raw = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
s = ctx.wrap_socket(raw, server_hostname="proxy.test")
s.sendall(b"EHLO tls\r\n")
out = b""
while True:
    try:
        d = s.recv(4096)
    except (ssl.SSLError, OSError):
        break
    if not d: break
    out += d
print(out.decode("latin-1"), end="")
PY
  same "stunnel (TLS, protocol = proxy): the locked client 127.0.0.2 relays" \
    "$(python3 tls.py $SFRONT 127.0.0.2 2>/dev/null | head -n 1 | cut -d' ' -f1,4,5)" "ip=127.0.0.2 fe=127.0.0.1 relay="
  same "stunnel: 127.0.0.3 does not" \
    "$(python3 tls.py $SFRONT 127.0.0.3 2>/dev/null | head -n 1 | cut -d' ' -f1,4,5)" "ip=127.0.0.3 fe=127.0.0.1 relay=unset"
  same "stunnel: the decrypted session reaches the chain untouched" \
    "$(python3 tls.py $SFRONT 127.0.0.3 2>/dev/null | sed -n 2p)" "$(printf 'got=EHLO tls\r')"
else
  for i in 1 2 3; do ok "# SKIP stunnel4 or openssl is not installed"; done
fi
finish
