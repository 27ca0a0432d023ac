#!/bin/sh
# The shipped PROXY protocol front ends (INSTALL, steps 29 and 30), as make
# install-etc puts them into a scratch root, run for real on loopback:
# the stunnel daemon of smtps-stunnel (stunnel-smtps-proxy.conf, protocol =
# proxy) in front of the smtps-proxy tcpserver, both under the real
# svscan; the real HAProxy with the shipped haproxy-qsend.cfg
# (send-proxy-v2) in front of two smtp-proxy and two pop3-proxy backends,
# each a copy of the installed service, as each mail host would have it.
# Clients connect from 127.0.0.2, 127.0.0.3 and 127.0.0.4 with swaks, curl
# and Python; the front ends connect from 127.0.0.1. The chains must see
# the clients' addresses, never the front end's.
# The run scripts are the installed files, unchanged; ports and addresses
# are set in their conf/ files. Only the stunnel and HAProxy configurations
# are rewritten, on their port and address lines, and the test checks that
# nothing else in them changed. Accounts (qmaild, nofiles, the mailbox
# users) exist only in a private mount namespace, as in
# tests/e2e-install-daemontools.sh.
. "$(dirname "$0")/lib-mount-ns.sh"
for tool in svscan supervise svc svok multilog envdir softlimit tcpserver tcprules stunnel4 haproxy swaks curl openssl python3 ps; do
  command -v $tool >/dev/null || { ok "# SKIP needs $tool (sh tests/setup)"; finish; }
done
for u in stunnel4 haproxy; do
  getent passwd $u >/dev/null && getent group $u >/dev/null || { ok "# SKIP needs the $u account (its Debian package makes it)"; finish; }
done
[ -d /var/lib/haproxy ] || { ok "# SKIP needs /var/lib/haproxy (the haproxy package's chroot)"; finish; }
cd "$TOP" || exit 111
H=$(head -n 1 conf-home) Q=$(head -n 1 conf-qmail) E=$(head -n 1 conf-etc)
R=$SCRATCH/root STAGE=$SCRATCH/stage

# --- accounts, visible to this namespace only
host_accounts
STUNNEL_UID=$(id -u stunnel4) HAPROXY_UID=$(id -u haproxy)

# --- install: as an administrator would (DESTDIR), and into the root
make -s install-etc DESTDIR=$STAGE > $SCRATCH/make.log 2>&1
make -s install DESTDIR=$R >> $SCRATCH/make.log 2>&1 &&
  make -s install-etc HOME_DIR=$R$H QMAIL_DIR=$R$Q ETC_DIR=$R$E >> $SCRATCH/make.log 2>&1
S=$R$Q/supervise
missing=""
for f in $Q/supervise/smtps-stunnel/run $Q/supervise/smtps-proxy/run $Q/supervise/smtp-proxy/run \
    $Q/supervise/pop3-proxy/run $E/qsend/stunnel-smtps-proxy.conf $E/qsend/haproxy-qsend.cfg \
    $E/qsend/tcp.smtps-proxy $E/qsend/tcp.smtp-proxy $E/qsend/tcp.pop3-proxy; do
  [ -s $STAGE$f ] || missing="$missing $f"
  [ -s $R$f ] || missing="$missing root:$f"
done
same "make install-etc installs the front ends' run scripts and files" "$missing" ""
differ=""
for f in $(cd $STAGE && find .$Q/supervise .$E/qsend -type f | sort); do
  sed "s|$R||g" "$R/$f" | cmp -s - "$STAGE/$f" || differ="$differ $f"
done
same "the files the test runs are the administrator's, but for the root's paths" "$differ" ""
# (a sanitizer build cannot run under softlimit -m; the comparison is made)
unlimit_for_sanitizer "$S"
# INSTALL's steps 29 and 30 tell the administrator to set up each of them
# (INSTALL spells the default conf-* paths)
if [ "$H $Q $E" = "/usr/local /var/qmail /etc" ]; then
steps=$SCRATCH/install-29-30
sed -n '/^29\. /,$p' INSTALL > $steps
unnamed=""
for f in $Q/supervise/smtps-stunnel $Q/supervise/smtps-proxy $Q/supervise/smtp-proxy $Q/supervise/pop3-proxy \
    $E/qsend/stunnel-smtps-proxy.conf $E/qsend/haproxy-qsend.cfg \
    $E/qsend/tcp.smtps-proxy $E/qsend/tcp.smtp-proxy $E/qsend/tcp.pop3-proxy; do
  grep -qF "$f" $steps || unnamed="$unnamed $f"
done
same "INSTALL's steps 29 and 30 name every front-end file" "$unnamed" ""
for r in smtps-proxy smtp-proxy pop3-proxy; do
  contains "... and compile tcp.$r" $steps "^ +tcprules $E/tcp\\.$r\\.cdb $E/tcp\\.$r\\.tmp < $E/tcp\\.$r\$"
done
for s in smtps-stunnel smtps-proxy smtp-proxy pop3-proxy; do
  contains "... and link $s" $steps "^ +ln -s $Q/supervise/$s /service/\$"
done
else
  ok "# SKIP INSTALL's paths are the default conf-* values"
fi
for s in smtps-stunnel smtps-proxy smtp-proxy pop3-proxy; do
  contains "$s logs its descriptor 2 to multilog" $STAGE$Q/supervise/$s/run '^exec 2>&1$'
done
chain() { grep -E '^  /' $STAGE$Q/supervise/$1/run | awk '{print $1}' | tr '\n' ' '; }
for s in smtps-proxy smtp-proxy; do
  same "$s's chain: proxy-remoteip first, then relaylock-check and qmail-smtpd" "$(chain $s)" \
    "$H/bin/proxy-remoteip $H/bin/relaylock-check $Q/bin/qmail-smtpd "
done
same "pop3-proxy's chain: proxy-remoteip first, before relaylock-guard and the POP chain" "$(chain pop3-proxy)" \
  "$H/bin/proxy-remoteip $H/bin/relaylock-guard $Q/bin/qmail-popup $H/bin/smtp-auth-checkpassword $H/bin/relaylock $Q/bin/qmail-pop3d "
for r in smtps-proxy smtp-proxy pop3-proxy; do
  sets=$(grep -v '^#' $STAGE$E/qsend/tcp.$r | grep '=')
  same "tcp.$r: the front end's rule sets nothing" "$sets" ""
  contains "tcp.$r: everybody else is refused" $STAGE$E/qsend/tcp.$r '^:deny$'
done

# --- qmail's programs (the stand-ins), the stores, envdirs and databases, as
# INSTALL makes them
# 127.0.0.1, the front ends' address, is not in RELAYLOCK_NEVER here: a
# lock for it would show that a chain took the front end for the client.
host_stage '::1/128'
# The administrator's copies (INSTALL steps 10, 29, 30): HAProxy's address
# toward the backends is 127.0.0.1 here, and a static deny for 127.0.0.4 in
# the clients' rules of 465 and 25.
for r in pop3 smtp smtps smtps-proxy smtp-proxy pop3-proxy; do
  sed 's/^10\.0\.0\.5:allow$/127.0.0.1:allow/' $R$E/qsend/tcp.$r > $R$E/tcp.$r
done
echo '127.0.0.4:deny' >> $R$E/tcp.smtps
echo '127.0.0.4:deny' >> $R$E/tcp.smtp
for r in pop3 smtp smtps smtps-proxy smtp-proxy pop3-proxy; do
  tcprules $R$E/tcp.$r.cdb $R$E/tcp.$r.tmp < $R$E/tcp.$r && chmod 644 $R$E/tcp.$r.cdb || not_ok "tcprules tcp.$r"
done
host_key

# --- ports, conf/ settings, the front ends' configurations
ports=""
while [ $(echo $ports | wc -w) -lt 8 ]; do
  p=$(free_port); case " $ports " in *" $p "*) ;; *) ports="$ports $p" ;; esac
done
set -- $ports; SMTPS=$1 SBACK=$2 HSMTP=$3 HPOP=$4 SB1=$5 SB2=$6 PB1=$7 PB2=$8
echo $SBACK > $S/smtps-proxy/conf/PORT
for s in smtp-proxy pop3-proxy; do
  echo 127.0.0.1 > $S/$s/conf/IP; echo 127.0.0.1 > $S/$s/conf/TRUSTED
done
echo pop.example.test > $S/pop3-proxy/conf/HOST
# the second SMTP host and the second POP3 host: the same service
cp -Rp $S/smtp-proxy $S/smtp-proxy2 && cp -Rp $S/pop3-proxy $S/pop3-proxy2 || exit 111
echo $SB1 > $S/smtp-proxy/conf/PORT; echo $SB2 > $S/smtp-proxy2/conf/PORT
echo $PB1 > $S/pop3-proxy/conf/PORT; echo $PB2 > $S/pop3-proxy2/conf/PORT
same "smtps-proxy listens on loopback for the front end alone" \
  "$(cat $S/smtps-proxy/conf/IP) $(cat $S/smtps-proxy/conf/TRUSTED)" "127.0.0.1 127.0.0.1"

SC=$R$E/qsend/stunnel-smtps-proxy.conf
same "stunnel-smtps-proxy.conf connects to smtps-proxy's shipped conf/IP and conf/PORT" \
  "$(grep '^connect = ' $SC)" "connect = $(cat $STAGE$Q/supervise/smtps-proxy/conf/IP):$(cat $STAGE$Q/supervise/smtps-proxy/conf/PORT)"
sed -e "s/^accept = 465\$/accept = 127.0.0.1:$SMTPS/" -e "s/^connect = 127\.0\.0\.1:10465\$/connect = 127.0.0.1:$SBACK/" \
  $SC > $SC.new && mv $SC.new $SC
same "the stunnel configuration run differs from the shipped one in its two port lines" \
  "$(sed "s|$R||g" $SC | diff $STAGE$E/qsend/stunnel-smtps-proxy.conf - | grep -c '^>')" 2
HC=$SCRATCH/haproxy.cfg
sed -e "s/^  bind :25\$/  bind 127.0.0.1:$HSMTP/" -e "s/^  bind :110\$/  bind 127.0.0.1:$HPOP/" \
  -e "s/ 10\.0\.0\.11:10025 / 127.0.0.1:$SB1 /" -e "s/ 10\.0\.0\.12:10025 / 127.0.0.1:$SB2 /" \
  -e "s/ 10\.0\.0\.21:10110 / 127.0.0.1:$PB1 /" -e "s/ 10\.0\.0\.22:10110 / 127.0.0.1:$PB2 /" \
  $R$E/qsend/haproxy-qsend.cfg > $HC
same "the HAProxy configuration run differs from the shipped one in its bind and server addresses" \
  "$(sed "s|$R||g" $HC | diff $STAGE$E/qsend/haproxy-qsend.cfg - | grep -c '^>')" 6
same "haproxy-qsend.cfg's servers use the backends' shipped ports" \
  "$(grep -Eo '10\.0\.0\.[0-9]+:[0-9]+' $STAGE$E/qsend/haproxy-qsend.cfg | sed 's/.*://' | sort -u | tr '\n' ' ')" \
  "$(cat $STAGE$Q/supervise/smtp-proxy/conf/PORT) $(cat $STAGE$Q/supervise/pop3-proxy/conf/PORT) "
same "... and their conf/TRUSTED is the rule of tcp.smtp-proxy and tcp.pop3-proxy" \
  "$(cat $STAGE$Q/supervise/smtp-proxy/conf/TRUSTED $STAGE$Q/supervise/pop3-proxy/conf/TRUSTED | tr '\n' ' ')" \
  "$(grep -h ':allow$' $STAGE$E/qsend/tcp.smtp-proxy $STAGE$E/qsend/tcp.pop3-proxy | sed 's/:allow$//' | tr '\n' ' ')"

# --- run them: the mail side under svscan, HAProxy beside it
SERVICES="smtps-stunnel smtps-proxy smtp-proxy smtp-proxy2 pop3-proxy pop3-proxy2"
mkdir $SCRATCH/service
for s in $SERVICES; do ln -s $S/$s $SCRATCH/service/$s; done
svscan $SCRATCH/service > $SCRATCH/svscan.log 2>&1 &
SVSCAN=$!
HAPROXY=""
stop_all() {
  [ -n "$HAPROXY" ] && kill $HAPROXY 2>/dev/null
  stop_services $SVSCAN $S $SERVICES
}
trap 'stop_all; cleanup' EXIT
# (from 127.0.0.9: a probe through HAProxy reaches a backend's chain as a
# client, and must not be taken for the front end)
for p in $SBACK $SB1 $SB2 $PB1 $PB2 $SMTPS; do wait_port $p 127.0.0.9 || not_ok "the service on port $p did not start"; done
haproxy -db -f $HC > $SCRATCH/haproxy.out 2>&1 &
HAPROXY=$!
for p in $HSMTP $HPOP; do wait_port $p 127.0.0.9 || not_ok "haproxy on port $p did not start"; done
up=""
for s in $SERVICES; do svok $S/$s && svok $S/$s/log && up="$up $s"; done
same "svscan runs every front-end service and its log" "$up" " $SERVICES"
check "haproxy runs with the shipped configuration" kill -0 $HAPROXY

# contains, for a multilog file: waits (bounded) for the line first
log_contains() { log_has "$2" "$3"; contains "$@"; }
MSG=$SCRATCH/msg; printf 'Subject: t\r\n\r\nhello\r\n' > $MSG
relay() {  # FROM PORT: exit 0 when relay to another domain was accepted
  curl -s --interface $1 --mail-from a@example.test --mail-rcpt someone@elsewhere.test -T $MSG smtp://127.0.0.1:$2 > /dev/null 2>&1
}
pop_curl() {  # FROM USER PASS
  curl -s --interface $1 -u "$2:$3" pop3://127.0.0.1:$HPOP/ > /dev/null 2>&1
}
sw() { swaks --silent 1 --server 127.0.0.1 --port $SMTPS --tls-on-connect --from a@example.test --to someone@elsewhere.test "$@" > $SCRATCH/swaks.out 2>&1; }
# connect.py PORT SOURCE: what a plain TCP client is told before it closes (5 s at most)
cat > $SCRATCH/connect.py <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5, source_address=(sys.argv[2], 0))
try:
    print(s.recv(100).decode("latin-1").strip() or "closed")
except OSError:
    print("closed")
PY

# --- HAProxy, POP3: the login locks the client's address, on both POP hosts
before=$(relay 127.0.0.2 $HSMTP; echo $?)
check "through HAProxy, before a POP login, 127.0.0.2 may not relay" test "$before" -ne 0
fails=0
for i in 1 2 3 4; do pop_curl 127.0.0.2 bob@example.test hunter2 || fails=$((fails + 1)); done
same "four POP3 logins through HAProxy from 127.0.0.2 (curl)" "$fails" 0
same "the lock is for the client, 127.0.0.2, written by relaylock-guard as root" \
  "$(stat -c %u $R$Q/relaylock/127.0.0.2 2>/dev/null) $(cut -d' ' -f2 $R$Q/relaylock/127.0.0.2 2>/dev/null)" "0 bob@example.test"
check "... and none for the front end, 127.0.0.1 (not in RELAYLOCK_NEVER here)" test ! -e $R$Q/relaylock/127.0.0.1
for s in pop3-proxy pop3-proxy2; do
  log_has $S/$s/log/main/current 'relaylock-guard: lock ip=127\.0\.0\.2'
  log_contains "$s (a POP host) was reached: its guard locked 127.0.0.2" $S/$s/log/main/current \
    '^@[0-9a-f]{24} relaylock-guard: lock ip=127\.0\.0\.2 user=bob@example\.test'
  log_contains "... proxy-remoteip's line reached its multilog" $S/$s/log/main/current \
    '^@[0-9a-f]{24} proxy-remoteip: proxy ip=127\.0\.0\.2 port=[0-9]+ frontend=127\.0\.0\.1 v2$'
  lacks "... no lock line for the front end" $S/$s/log/main/current 'lock ip=127\.0\.0\.1 '
done
pop_curl 127.0.0.3 bob@example.test wrong
check "a wrong POP password through HAProxy is refused" test $? -ne 0
check "... and locks nothing" test ! -e $R$Q/relaylock/127.0.0.3

# --- HAProxy, SMTP: both SMTP hosts (round robin: two connections in a
# row reach both), each sees the client
relay 127.0.0.2 $HSMTP
same "through HAProxy the POP-locked 127.0.0.2 relays" "$?" 0
relay 127.0.0.2 $HSMTP
same "... again (the other SMTP host)" "$?" 0
relay 127.0.0.3 $HSMTP
check "... 127.0.0.3 may not (the front end's rule set nothing)" test $? -ne 0
relay 127.0.0.3 $HSMTP
check "... again not (the other SMTP host)" test $? -ne 0
for s in smtp-proxy smtp-proxy2; do
  L=$S/$s/log/main/current
  log_has $L 'relaylock-check: relay ip=127\.0\.0\.2'
  log_contains "$s (an SMTP host) was reached: relaylock-check let 127.0.0.2 relay" $L '^@[0-9a-f]{24} relaylock-check: relay ip=127\.0\.0\.2 '
  log_contains "... qmail-smtpd ran as qmaild for 127.0.0.3 too" $L "qmail-smtpd: uid=$QMAILD from 127\\.0\\.0\\.3 RELAYCLIENT=\\(unset\\)\$"
  log_contains "... proxy-remoteip's lines reached its multilog" $L \
    '^@[0-9a-f]{24} proxy-remoteip: proxy ip=127\.0\.0\.3 port=[0-9]+ frontend=127\.0\.0\.1 v2$'
  lacks "... qmail-smtpd never saw the front end's address" $L 'qmail-smtpd: uid=[0-9]+ from 127\.0\.0\.1 '
done
relay 127.0.0.4 $HSMTP
check "through HAProxy, 127.0.0.4 (a deny in tcp.smtp, PROXY_RULES) is refused" test $? -ne 0
log_has $S/smtp-proxy/log/main/current 'deny ip=127\.0\.0\.4' || log_has $S/smtp-proxy2/log/main/current 'deny ip=127\.0\.0\.4'
denied=$(cat $S/smtp-proxy/log/main/current $S/smtp-proxy2/log/main/current | grep -c 'proxy-remoteip: deny ip=127\.0\.0\.4 frontend=127\.0\.0\.1 (PROXY_RULES)$')
same "... by proxy-remoteip on one SMTP host, one line" "$denied" 1
# HAProxy's health checks: a LOCAL header, nothing run (default interval 2 s)
for s in smtp-proxy pop3-proxy2; do
  i=0; while ! grep -q 'proxy-remoteip: health check frontend=127\.0\.0\.1 v2$' $S/$s/log/main/current && [ $i -lt 200 ]; do i=$((i+1)); sleep 0.05; done
  log_contains "$s: HAProxy's health checks are logged as such" $S/$s/log/main/current 'proxy-remoteip: health check frontend=127\.0\.0\.1 v2$'
done
same "a client that reaches an SMTP host directly, not through HAProxy, is refused (tcp.smtp-proxy)" \
  "$(python3 $SCRATCH/connect.py $SB1 127.0.0.2 2>&1)" "closed"
log_contains "... by tcpserver's rule" $S/smtp-proxy/log/main/current 'tcpserver: deny [0-9]+ .*:127\.0\.0\.2::'

# --- stunnel on 465 (protocol = proxy): TLS, AUTH, the client's address
sw --local-interface 127.0.0.2
same "465 through stunnel: the POP-locked 127.0.0.2 relays without AUTH" "$?" 0
sw --local-interface 127.0.0.3
check "465: 127.0.0.3 without AUTH may not" test $? -ne 0
contains "... refused at RCPT, after the TLS handshake and the greeting" $SCRATCH/swaks.out '553 '
sw --local-interface 127.0.0.3 --auth PLAIN --auth-user alice@example.test --auth-password secret
same "465: 127.0.0.3 relays after AUTH PLAIN (swaks --tls-on-connect)" "$?" 0
sw --local-interface 127.0.0.3 --auth LOGIN --auth-user bob@example.test --auth-password hunter2
same "465: ... and after AUTH LOGIN" "$?" 0
curl -s --interface 127.0.0.3 -k --mail-from a@example.test --mail-rcpt someone@elsewhere.test -T $MSG \
  -u bob@example.test:hunter2 smtps://127.0.0.1:$SMTPS > /dev/null 2>&1
same "465: curl smtps:// with AUTH (CRAM-MD5, curl's choice) relays from 127.0.0.3" "$?" 0
L=$S/smtps-proxy/log/main/current
log_has $L 'auth ok from 127\.0\.0\.3'
log_contains "the chain saw the TLS client 127.0.0.2 (relaylock-check's line)" $L '^@[0-9a-f]{24} relaylock-check: relay ip=127\.0\.0\.2 '
log_contains "... the checker logged 127.0.0.3's login with its own address" $L \
  'smtp-auth-checkpassword: ok user=alice@example\.test ip=127\.0\.0\.3 '
log_contains "... qmail-smtpd ran as qmaild for 127.0.0.3" $L "qmail-smtpd: uid=$QMAILD from 127\\.0\\.0\\.3 "
lacks "... and never for the front end, 127.0.0.1" $L 'qmail-smtpd: uid=[0-9]+ from 127\.0\.0\.1 '
log_contains "proxy-remoteip's lines reach smtps-proxy's multilog" $L \
  '^@[0-9a-f]{24} proxy-remoteip: proxy ip=127\.0\.0\.3 port=[0-9]+ frontend=127\.0\.0\.1 v1$'
log_contains "stunnel's lines reach smtps-stunnel's multilog" $S/smtps-stunnel/log/main/current '^@[0-9a-f]{24} .*Service \[smtps\] accepted connection from 127\.0\.0\.3'
sw --local-interface 127.0.0.4 --auth PLAIN --auth-user alice@example.test --auth-password secret
check "465: 127.0.0.4, denied in tcp.smtps (PROXY_RULES), is closed even with a good password" test $? -ne 0
lacks "... before the greeting" $SCRATCH/swaks.out '220 '
log_has $L 'deny ip=127\.0\.0\.4'
log_contains "... by proxy-remoteip, with one line" $L '^@[0-9a-f]{24} proxy-remoteip: deny ip=127\.0\.0\.4 frontend=127\.0\.0\.1 \(PROXY_RULES\)$'
lacks "... and its password was never checked" $L 'smtp-auth-checkpassword: .* ip=127\.0\.0\.4 '
same "a client that reaches smtps-proxy directly, without a PROXY header, is refused" \
  "$(python3 $SCRATCH/connect.py $SBACK 127.0.0.2 2>&1)" "closed"

# --- who runs what: sessions held open through both front ends
cat > $SCRATCH/sessions.py <<'PY'
import poplib, socket, ssl, subprocess, sys
smtps, hsmtp, hpop, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
res = open(out, "w")
def tcp(port):
    s = socket.create_connection(("127.0.0.1", port), 20, source_address=("127.0.0.3", 0)); s.settimeout(20); return s
class POP3From(poplib.POP3):
    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout, source_address=("127.0.0.2", 0))
held = []
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
t = ctx.wrap_socket(tcp(smtps)); held.append(t); res.write("tls %s\n" % t.recv(100).decode().strip())
for i in range(2):  # one on each SMTP host (round robin)
    s = tcp(hsmtp); held.append(s); res.write("smtp %s\n" % s.recv(100).decode().strip())
p = POP3From("127.0.0.1", hpop, timeout=20)
p.user("bob@example.test")
res.write("pass " + p.pass_("hunter2").decode() + "\n")
res.write(subprocess.run(["ps", "-eo", "pid=,ppid=,uid=,args="], capture_output=True, text=True).stdout)
p.quit()
for s in held:
    s.sendall(b"QUIT\r\n"); s.recv(100); s.close()
res.close()
PY
python3 $SCRATCH/sessions.py $SMTPS $HSMTP $HPOP $SCRATCH/ps.txt 2> $SCRATCH/sessions.err
contains "a TLS session through stunnel is greeted" $SCRATCH/ps.txt '^tls 220 '
same "two SMTP sessions through HAProxy are greeted" "$(grep -c '^smtp 220 ' $SCRATCH/ps.txt)" 2
contains "a POP3 session through HAProxy logs in" $SCRATCH/ps.txt '^pass \+OK'
pop3d_uid=$(awk -v p="$R$Q/bin/qmail-pop3d" '$4 == "/bin/sh" && $5 == p {print $3}' $SCRATCH/ps.txt | sort -u)
same "after the POP login qmail-pop3d runs as bob" "$pop3d_uid" "$BOB"
bad=""
for port in $SBACK $SB1 $SB2; do
  line=$(grep -E "tcpserver .* 127\.0\.0\.1 $port( |\$)" $SCRATCH/ps.txt)
  tpid=$(echo "$line" | awk '{print $1}') tuid=$(echo "$line" | awk '{print $3}')
  [ -n "$tpid" ] || { bad="$bad no-tcpserver-$port"; continue; }
  [ "$tuid" = "$QMAILD" ] || bad="$bad tcpserver-$port-uid-$tuid"
  kids=$(awk -v p="$tpid" '$2 == p {print $3}' $SCRATCH/ps.txt)
  [ -n "$kids" ] || bad="$bad no-child-$port"
  for u in $kids; do [ "$u" = "$QMAILD" ] || bad="$bad child-$port-uid-$u"; done
done
same "the SMTP tcpservers behind the front ends and their children run as qmaild" "$bad" ""
uids=$(grep -E "^ *[0-9]+ +[0-9]+ +[0-9]+ stunnel4 $R$E/qsend/stunnel-smtps-proxy.conf" $SCRATCH/ps.txt | awk '{print $3}' | sort -u)
same "stunnel, after binding and reading the key, runs as stunnel4" "$uids" "$STUNNEL_UID"
uids=$(awk -v p=$HAPROXY '$1 == p || $2 == p {print $3}' $SCRATCH/ps.txt | sort -u)
same "haproxy, after binding, runs as haproxy" "$uids" "$HAPROXY_UID"

stop_all
left=$(ps -eo args= | grep -F "$SCRATCH/" | grep -v grep)
same "nothing the services started is left running" "$left" ""
finish
