#!/bin/sh
# The administrator's files of etc/, as make install and make install-etc
# put them into a scratch root, run under the real daemontools (svscan on a
# scratch service directory) and driven by real clients from 127.0.0.2 and
# 127.0.0.3: curl and Python's poplib for POP3, curl and swaks for SMTP on
# 25, 587 and (through the real stunnel4) 465, fail2ban-regex on the
# services' multilog files, and the process table for who runs as root.
# qmail is not packaged: tests/standins/ play qmail-popup, qmail-pop3d and
# qmail-smtpd, installed where conf-qmail says qmail's programs are.
# The run scripts are the installed files, unchanged: ports and addresses
# are set through their conf/ files, and make install-etc writes the
# scratch root into the paths (the test checks that this is the only
# difference from an install with DESTDIR).
# The accounts the files name (qmaild, group nofiles) and the test's mailbox
# users exist only in a private mount namespace, over copies of /etc/passwd
# and /etc/group.
. "$(dirname "$0")/lib-mount-ns.sh"
for tool in svscan supervise svc svok multilog envdir softlimit tcpserver tcprules stunnel4 swaks curl fail2ban-regex openssl python3 ps; do
  command -v $tool >/dev/null || { ok "# SKIP needs $tool (sh tests/setup)"; finish; }
done
cd "$TOP" || exit 111
H=$(head -n 1 conf-home) Q=$(head -n 1 conf-qmail) E=$(head -n 1 conf-etc)
R=$SCRATCH/root STAGE=$SCRATCH/stage

# --- accounts, visible to this namespace only
host_accounts

# --- install: once as an administrator would (DESTDIR), once into the root
make -s install install-etc DESTDIR=$STAGE > $SCRATCH/make.log 2>&1
check "make install install-etc DESTDIR= installs the run scripts" test -x $STAGE$Q/supervise/pop3/run
make -s install DESTDIR=$R >> $SCRATCH/make.log 2>&1 &&
  make -s install-etc HOME_DIR=$R$H QMAIL_DIR=$R$Q ETC_DIR=$R$E >> $SCRATCH/make.log 2>&1
check "make install-etc with the scratch root's paths" test -x $R$Q/supervise/pop3/run
contains "the run scripts name our programs by conf-home's absolute path" $STAGE$Q/supervise/pop3/run "^  $H/bin/relaylock-guard"
contains "... and qmail's by conf-qmail's" $STAGE$Q/supervise/pop3/run "^  $Q/bin/qmail-popup \"\\\$HOST\""
left=$(grep -rl '@HOME@\|@QMAIL@\|@ETC@' $STAGE 2>/dev/null)
same "no placeholder is left in an installed file" "$left" ""
differ=""
for f in $(cd $STAGE && find .$Q/supervise .$E/qsend .$H/libexec -type f | sort); do
  sed "s|$R||g" "$R/$f" | cmp -s - "$STAGE/$f" || differ="$differ $f"
  [ "$(stat -c %a "$R/$f")" = "$(stat -c %a "$STAGE/$f")" ] || differ="$differ $f(mode)"
done
same "the files the test runs are the administrator's, but for the root's paths" "$differ" ""
missing=""
for s in pop3 pop3-virtual smtp submission smtps relaylock-expire smtp-auth-prune \
    smtps-stunnel smtps-proxy smtp-proxy pop3-proxy redis-tunnel redis-tls; do
  for f in run log/run; do [ -x $STAGE$Q/supervise/$s/$f ] || missing="$missing $s/$f"; done
  grep -q '^exec 2>&1$' $STAGE$Q/supervise/$s/run || missing="$missing $s(exec 2>&1)"
done
same "every service has run and log/run, and logs its descriptor 2" "$missing" ""
lacks "no run script sets a umask" $STAGE$Q/supervise/pop3/run 'umask'
# INSTALL names what make install-etc installs, no more and no less
if [ "$H $Q $E" = "/usr/local /var/qmail /etc" ]; then
  # (a path INSTALL builds in a loop, /etc/qsend/tcp.$r, is not a name)
  named=$(grep -Eo '(/var/qmail/supervise/[a-z0-9-]+|/etc/qsend/[A-Za-z0-9.-]*[A-Za-z0-9]|/usr/local/libexec/[a-z-]+)([^$.A-Za-z0-9-]|$)' INSTALL |
    sed 's/[^A-Za-z0-9]$//' | sort -u)
  installed=$(cd $STAGE && { ls -d .$Q/supervise/*; ls .$E/qsend/* .$H/libexec/*; } | sed 's|^\.||' | sort -u)
  check "INSTALL names the shipped files" test -n "$named"
  unnamed=""
  for f in $installed; do
    echo "$named" | grep -qxF "$f" || grep -qF "${f##*/}" INSTALL || unnamed="$unnamed $f"
  done
  absent=""
  # (the secrets of step 31 are made by INSTALL's own commands, not shipped)
  made=$(grep -Eo '> /etc/qsend/[A-Za-z0-9.-]+' INSTALL | sed 's/^> //' | sort -u)
  for f in $named; do
    [ -e "$STAGE$f" ] || echo "$made" | grep -qxF "$f" || absent="$absent $f"
  done
  same "every file make install-etc installs is named in INSTALL" "$unnamed" ""
  same "every shipped file INSTALL names is installed" "$absent" ""
else
  ok "# SKIP INSTALL's paths are the default conf-* values"
fi

# --- qmail's programs (the stand-ins), the stores, envdirs and databases, as
# INSTALL makes them
# (the test's clients are 127.0.0.2 and 127.0.0.3: only 127.0.0.1 is never locked)
host_stage '127.0.0.1/32 ::1/128' \
  "carol@example.test:$(echo tanstaaf | $R$H/bin/smtp-auth-passwd -s cram-md5)"
status "smtp-auth-mkdb compiles the users" 0 test -s $R$Q/control/smtp-auth.cdb
for r in pop3 smtp submission smtps; do
  cp $R$E/qsend/tcp.$r $R$E/tcp.$r && tcprules $R$E/tcp.$r.cdb $R$E/tcp.$r.tmp < $R$E/tcp.$r || not_ok "tcprules tcp.$r"
done
check "the shipped tcprules files compile into every cdb the run scripts read" \
  test -s $R$E/tcp.pop3.cdb -a -s $R$E/tcp.smtp.cdb -a -s $R$E/tcp.submission.cdb -a -s $R$E/tcp.smtps.cdb
host_key

# --- the services, on loopback ports, under svscan
# five different free ports (free_port may hand out one twice)
ports=""
while [ $(echo $ports | wc -w) -lt 5 ]; do
  p=$(free_port); case " $ports " in *" $p "*) ;; *) ports="$ports $p" ;; esac
done
set -- $ports; POP=$1 VPOP=$2 SMTP=$3 SUB=$4 SMTPS=$5
S=$R$Q/supervise
for s in pop3 pop3-virtual smtp submission smtps; do echo 127.0.0.1 > $S/$s/conf/IP; done
echo $VPOP > $S/pop3-virtual/conf/PORT; echo pop.example.test > $S/pop3-virtual/conf/HOST
echo $POP > $S/pop3/conf/PORT; echo pop.example.test > $S/pop3/conf/HOST
echo $SMTP > $S/smtp/conf/PORT; echo $SUB > $S/submission/conf/PORT; echo $SMTPS > $S/smtps/conf/PORT
# A sanitizer build (make check-asan) reserves terabytes of address space
# and cannot run under softlimit -m: the run scripts lose that one line for
# it (the comparison with the administrator's files above is already made).
unlimit_for_sanitizer "$S"
SERVICES="pop3 pop3-virtual smtp submission smtps smtp-auth-prune"
# relaylock-expire -w is the supervised form; older builds only run once
if (envdir $R$E/relaylock/env timeout 1 $B/relaylock-expire -w > /dev/null 2>&1; [ $? -eq 124 ]); then
  SERVICES="$SERVICES relaylock-expire"; EXPIRE_W=yes
fi
mkdir $SCRATCH/service
for s in $SERVICES; do ln -s $S/$s $SCRATCH/service/$s; done
svscan $SCRATCH/service > $SCRATCH/svscan.log 2>&1 &
SVSCAN=$!
stop_all() { stop_services $SVSCAN $S $SERVICES; }
trap 'stop_all; cleanup' EXIT
for p in $POP $VPOP $SMTP $SUB $SMTPS; do wait_port $p || not_ok "the service on port $p did not start"; done
up=""
for s in $SERVICES; do svok $S/$s && svok $S/$s/log && up="$up $s"; done
same "svscan runs every service and its log" "$up" " $SERVICES"

MSG=$SCRATCH/msg; printf 'Subject: t\r\n\r\nhello\r\n' > $MSG
relay() {  # FROM PORT: exit 0 when relay to another domain was accepted
  curl -s --interface $1 --mail-from a@example.test --mail-rcpt someone@elsewhere.test -T $MSG smtp://127.0.0.1:$2 > /dev/null 2>&1
}
pop_curl() {  # FROM USER PASS [PORT]
  curl -s --interface $1 -u "$2:$3" pop3://127.0.0.1:${4:-$POP}/ 2>&1
}

# --- POP before SMTP, system users
relay 127.0.0.2 $SMTP
check "before a POP login 127.0.0.2 may not relay on port 25" test $? -ne 0
out=$(pop_curl 127.0.0.2 bob@example.test hunter2)
same "curl logs in over POP3 (APOP, as qmail-popup's greeting offers) from 127.0.0.2" "$?" 0
relay 127.0.0.2 $SMTP
same "after it 127.0.0.2 relays on port 25" "$?" 0
relay 127.0.0.3 $SMTP
check "... and 127.0.0.3 still may not" test $? -ne 0
same "the lock was written by relaylock-guard, as root" "$(stat -c %u $R$Q/relaylock/127.0.0.2 2>/dev/null)" 0
same "... for bob" "$(cut -d' ' -f2 $R$Q/relaylock/127.0.0.2 2>/dev/null)" bob@example.test
pop_curl 127.0.0.3 bob@example.test wrong > /dev/null
check "a wrong POP password is refused" test $? -ne 0
check "... and locks nothing" test ! -e $R$Q/relaylock/127.0.0.3

# Python's poplib, USER and PASS, alice (yescrypt): while her session and
# one on each SMTP port are open, the process table shows who runs what.
cat > $SCRATCH/sessions.py <<'PY'
import poplib, socket, ssl, subprocess, sys
pop, smtp, sub, smtps, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
res = open(out, "w")
def tcp(port):
    s = socket.socket(); s.bind(("127.0.0.3", 0)); s.connect(("127.0.0.1", port)); s.settimeout(20); return s
class POP3From(poplib.POP3):  # poplib has no source address of its own
    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout, source_address=("127.0.0.3", 0))
p = POP3From("127.0.0.1", pop, timeout=20)
p.user("alice@example.test")
res.write("pass " + p.pass_("secret").decode() + "\n")
res.write("stat %d %d\n" % p.stat())
held = []
for port in (smtp, sub):
    s = tcp(port); held.append(s); res.write("greeting %s\n" % s.recv(100).decode().strip())
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
t = ctx.wrap_socket(tcp(smtps)); held.append(t); res.write("tls %s\n" % t.recv(100).decode().strip())
res.write(subprocess.run(["ps", "-eo", "pid=,ppid=,uid=,args="], capture_output=True, text=True).stdout)
p.quit()
for s in held:
    s.sendall(b"QUIT\r\n"); s.recv(100); s.close()
res.close()
PY
python3 $SCRATCH/sessions.py $POP $SMTP $SUB $SMTPS $SCRATCH/ps.txt 2> $SCRATCH/sessions.err
same "poplib logs in with USER and PASS (alice, a yescrypt secret) from 127.0.0.3" "$(sed -n 1p $SCRATCH/ps.txt)" "pass +OK "
contains "qmail-pop3d opened her Maildir" $SCRATCH/ps.txt '^stat 0 0$'
contains "port 465 answers through stunnel's TLS" $SCRATCH/ps.txt '^tls 220 '
pop3d_uid=$(awk -v p="$R$Q/bin/qmail-pop3d" '$4 == "/bin/sh" && $5 == p {print $3}' $SCRATCH/ps.txt | sort -u)
same "after the login qmail-pop3d runs as alice" "$pop3d_uid" "$ALICE"
smtpd() { awk -v p="$R$Q/bin/qmail-smtpd" '$4 ~ /python3$/ && $5 == p' $SCRATCH/ps.txt; }
smtpd_uids=$(smtpd | awk '{print $3}' | sort -u)
same "every qmail-smtpd (ports 25, 587, 465) runs as qmaild" "$smtpd_uids" "$QMAILD"
count=$(smtpd | wc -l)
check "... three of them were seen" test "$count" -ge 3
stunnel_uids=$(grep -E '^ *[0-9]+ +[0-9]+ +[0-9]+ stunnel4 ' $SCRATCH/ps.txt | awk '{print $3}' | sort -u)
same "stunnel, after start-up, runs as qmaild" "$stunnel_uids" "$QMAILD"
# tcpserver's children for 25, 587 and 465
rootkids=""
for port in $SMTP $SUB $SMTPS; do
  tpid=$(grep -E "tcpserver .* 127\.0\.0\.1 $port( |\$)" $SCRATCH/ps.txt | awk '{print $1}')
  [ -n "$tpid" ] || rootkids="$rootkids no-tcpserver-$port"
  kids=$(awk -v p="$tpid" '$2 == p {print $3}' $SCRATCH/ps.txt)
  [ -n "$kids" ] || rootkids="$rootkids no-child-$port"
  for u in $kids; do [ "$u" -ne 0 ] || rootkids="$rootkids root-child-$port"; done
done
same "no child of the SMTP tcpservers runs as root" "$rootkids" ""

same "alice's login locked 127.0.0.3" "$(cut -d' ' -f2 $R$Q/relaylock/127.0.0.3 2>/dev/null)" alice@example.test
envdir $R$E/relaylock/env $B/relaylock-revoke 127.0.0.3 2>/dev/null
relay 127.0.0.3 $SMTP
check "relaylock-revoke with the installed envdir ends it" test $? -ne 0

# --- the single-uid layout (path B): the store belongs to the mailbox uid
# (bob's here), and relaylock after qmail-popup writes the lock itself
chown -R bob:bob $R$Q/relaylock
pop_curl 127.0.0.3 bob@example.test hunter2 $VPOP > /dev/null
same "path B: curl logs in on the pop3-virtual service" "$?" 0
same "path B: the lock was written by relaylock as the mailbox uid" "$(stat -c %u $R$Q/relaylock/127.0.0.3 2>/dev/null)" "$BOB"
relay 127.0.0.3 $SMTP
same "path B: that client relays on port 25" "$?" 0
envdir $R$E/relaylock/env $B/relaylock-revoke 127.0.0.3 2>/dev/null
chown -R root:root $R$Q/relaylock

# --- AUTH on 587 (required) and 25, 465 (offered), with swaks
sw() { swaks --silent 1 --server 127.0.0.1 --from a@example.test --to someone@elsewhere.test "$@" > $SCRATCH/swaks.out 2>&1; }
sw --port $SUB --local-interface 127.0.0.3 --auth PLAIN --auth-user alice@example.test --auth-password secret
same "587: AUTH PLAIN, then relay" "$?" 0
sw --port $SUB --local-interface 127.0.0.3 --auth LOGIN --auth-user alice@example.test --auth-password secret
same "587: AUTH LOGIN, then relay" "$?" 0
sw --port $SUB --local-interface 127.0.0.3 --auth CRAM-MD5 --auth-user carol@example.test --auth-password tanstaaf
same "587: AUTH CRAM-MD5 (a {CRAM-MD5} secret), then relay" "$?" 0
sw --port $SUB --local-interface 127.0.0.2
check "587: no relay, not even a sender, without AUTH (even after a POP login)" test $? -ne 0
contains "... refused at MAIL" $SCRATCH/swaks.out '530 '
sw --port $SUB --local-interface 127.0.0.3 --auth LOGIN --auth-user alice@example.test --auth-password wrong
check "587: a wrong password" test $? -ne 0
contains "... gets 535" $SCRATCH/swaks.out '535 '
sw --port $SMTP --local-interface 127.0.0.3 --auth PLAIN --auth-user alice@example.test --auth-password secret
same "25: AUTH offered, and a good one relays from 127.0.0.3" "$?" 0
sw --port $SMTPS --tls-on-connect --local-interface 127.0.0.3 --auth CRAM-MD5 --auth-user carol@example.test --auth-password tanstaaf
same "465 through stunnel: AUTH CRAM-MD5, then relay" "$?" 0
sw --port $SMTPS --tls-on-connect --local-interface 127.0.0.2
same "465: the POP-locked 127.0.0.2 relays without AUTH (tcpserver's TCPREMOTEIP reached relaylock-check)" "$?" 0
sw --port $SMTPS --tls-on-connect --local-interface 127.0.0.3
check "465: 127.0.0.3 without AUTH may not" test $? -ne 0

# --- the logs: multilog, and fail2ban's own regex tool on them
log_has $S/submission/log/main/current 'reason=bad_password'
contains "587's checker lines reach the service's multilog" $S/submission/log/main/current \
  '^@[0-9a-f]{24} smtp-auth-checkpassword: fail user=alice@example\.test ip=127\.0\.0\.3 mech=password reason=bad_password$'
contains "... the successes too" $S/submission/log/main/current 'smtp-auth-checkpassword: ok user=carol@example\.test ip=127\.0\.0\.3'
f2b=$(fail2ban-regex $S/submission/log/main/current $R$E/qsend/smtp-auth-checkpassword.conf 2>&1 | sed -n 's/^Lines: .* \([0-9][0-9]*\) matched.*/\1/p')
same "fail2ban-regex: the shipped filter matches the one refusal in 587's log" "$f2b" 1
log_has $S/pop3/log/main/current 'relaylock-guard: lock ip=127\.0\.0\.2'
contains "the POP service's multilog has the guard's lock line" $S/pop3/log/main/current 'relaylock-guard: lock ip=127\.0\.0\.2 user=bob@example\.test'
lacks "... and no password" $S/pop3/log/main/current 'hunter2|secret'
if grep -q 'smtp-auth-checkpassword: ' $S/pop3/log/main/current; then
  contains "the POP checker's refusal reaches the POP multilog" $S/pop3/log/main/current \
    'smtp-auth-checkpassword: fail user=bob@example\.test ip=127\.0\.0\.3 mech=a?pop reason=bad_password'
  f2b=$(fail2ban-regex $S/pop3/log/main/current $R$E/qsend/smtp-auth-checkpassword.conf 2>&1 | sed -n 's/^Lines: .* \([0-9][0-9]*\) matched.*/\1/p')
  same "fail2ban-regex matches the POP refusal" "$f2b" 1
else
  ok "# SKIP needs the log channel through relaylock-guard (the POP checker still logs to syslog)"
fi

# --- relaylock-expire -w: an expired lock goes without a cron minute
if [ -n "$EXPIRE_W" ]; then
  printf '%s alice\n' $(( $(date +%s) - 700 )) > $R$Q/relaylock/192.0.2.9
  i=0; while [ -e $R$Q/relaylock/192.0.2.9 ] && [ $i -lt 400 ]; do i=$((i+1)); sleep 0.05; done  # it looks every 10 s at least
  check "the relaylock-expire service removes an expired lock by itself" test ! -e $R$Q/relaylock/192.0.2.9
  check "... and keeps the live one" test -e $R$Q/relaylock/127.0.0.2
else
  ok "# SKIP needs relaylock-expire -w (the relaylock-expire service)"
fi

# --- Dovecot 2.3 through the shipped snippet and wrapper (path C): the
# auth service reads the 640 root:nofiles database through extra_groups
if command -v dovecot >/dev/null && command -v doveadm >/dev/null; then
  D=$SCRATCH/dovecot
  mkdir -p $D/run $D/state && chmod 755 $D
  cat > $D/dovecot.conf <<CONF
base_dir = $D/run
state_dir = $D/state
log_path = $D/dovecot.log
protocols =
listen = 127.0.0.1
ssl = no
auth_mechanisms = plain login
default_login_user = nobody
default_internal_user = nobody
service anvil {
  chroot =
}
!include $R$E/qsend/auth-qsend.conf.ext
CONF
  # a sanitizer build of the checker cannot run under Dovecot's address
  # space limit (default_vsz_limit, 256 MB; see README): lifted for it only
  [ -n "$SANITIZED" ] && echo 'default_vsz_limit = 0' >> $D/dovecot.conf
  stop_dovecot() {
    pid=$(cat $D/run/master.pid 2>/dev/null); [ -n "$pid" ] && kill $pid 2>/dev/null
    i=0; while [ -n "$pid" ] && kill -0 $pid 2>/dev/null && [ $i -lt 100 ]; do i=$((i+1)); sleep 0.05; done
  }
  if dovecot -c $D/dovecot.conf; then
    doveadm -c $D/dovecot.conf auth test alice@example.test secret > /dev/null 2>&1
    same "Dovecot, with the shipped snippet, logs alice in" "$?" 0
    doveadm -c $D/dovecot.conf auth test alice@example.test wrong > /dev/null 2>&1
    same "... refuses a wrong password (77)" "$?" 77
    doveadm -c $D/dovecot.conf auth login alice@example.test secret > $D/login.txt 2>&1
    contains "... and the record's uid comes back through the prefetch userdb" $D/login.txt "^ *uid=$ALICE\$"
    stop_dovecot
    # the control: the same snippet without extra_groups cannot read it
    grep -v extra_groups $R$E/qsend/auth-qsend.conf.ext > $D/no-extra-groups.conf.ext
    sed "s|^!include .*|!include $D/no-extra-groups.conf.ext|" $D/dovecot.conf > $D/control.conf
    if dovecot -c $D/control.conf; then
      doveadm -c $D/control.conf auth test alice@example.test secret > /dev/null 2>&1
      check "without extra_groups Dovecot's auth service cannot read the database" test $? -ne 0
      stop_dovecot
    else
      not_ok "dovecot starts without extra_groups"
    fi
  else
    not_ok "dovecot starts with the shipped snippet"; sed 's/^/#   /' $D/dovecot.log | tail -5
  fi
else
  ok "# SKIP needs dovecot-core"
fi

# --- INSTALL's .qmail line, run as qmail-local would, with qmail-send's
# PATH (no /usr/local/bin): bounce-fmt by absolute path, then exit 99
line=$(grep -E "^ +\| $H/bin/bounce-fmt -q -- " INSTALL | head -n 1 | sed 's/^ *| *//')
check "INSTALL's .qmail line calls bounce-fmt by conf-home's absolute path" test -n "$line"
mkdir -p $SCRATCH/bounce/control && echo mail.example.test > $SCRATCH/bounce/control/me
cat > $SCRATCH/bounce/qmail-queue <<QQ
#!/bin/sh
cat > $SCRATCH/bounce/message && cat <&1 > $SCRATCH/bounce/envelope
QQ
chmod 755 $SCRATCH/bounce/qmail-queue
printf 'Subject: x\n\nhello\n' | env -i PATH=/var/qmail/bin:/usr/bin:/bin SENDER=taro@customer.example \
  RECIPIENT=old@hosting.example CONTROLDIR=$SCRATCH/bounce/control QMAILQUEUE=$SCRATCH/bounce/qmail-queue \
  sh -c "$(echo "$line" | sed "s|$H/bin/bounce-fmt|$B/bounce-fmt|")" 2> $SCRATCH/bounce/err
same "... which exits 99 after queueing the notice" "$?" 99
same "... from <> to the sender" "$(tr '\0' ' ' < $SCRATCH/bounce/envelope 2>/dev/null)" "F Ttaro@customer.example  "

stop_all
left=$(ps -eo args= | grep -F "$SCRATCH/" | grep -v grep)
same "nothing the services started is left running" "$left" ""
finish
