# Containment end to end: a burst from a hijacked account through the real
# tcpserver (-R), an AUTH-patched qmail-smtpd stand-in that honours
# QMAILQUEUE and asks the real smtp-auth-checkpassword, sendlimit as
# QMAILQUEUE, and the qmail-queue stand-in delivering into Maildirs.
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH" || exit 111
printf 'alice@example.com:{PLAIN}secret\nbob@example.com:{PLAIN}secret\n' > users
smtp-auth-mkdb users.cdb users.tmp < users 2>/dev/null || not_ok "users cdb"
mkdir queue store control
echo mail.test > control/me
for box in alice@example.com bob@example.com postmaster@mail.test alice@example.test; do
  mkdir -p "maildirs/$box/new" "maildirs/$box/cur" "maildirs/$box/tmp"
done
export CHKPW_USERS=$SCRATCH/users.cdb QMAILQUEUE=$BIN/sendlimit SENDLIMIT_QUEUE=$STANDINS/qmail-queue \
  SENDLIMIT_STORE=dir:$SCRATCH/store SENDLIMIT_RATES=rcpt:20/1h SENDLIMIT_SURGE=40 CONTROLDIR=$SCRATCH/control \
  QUEUE_DIR=$SCRATCH/queue QUEUE_MAILDIRS=$SCRATCH/maildirs
unset RELAYCLIENT TCPREMOTEINFO SMTPAUTHUSER SMTP_AUTH_USER AUTHUSER RELAYLOCK_USER
SMTP=$(free_port)
tcpserver -R -H -l smtp.test 127.0.0.1 "$SMTP" "$STANDINS/qmail-smtpd-qmailqueue" smtp-auth-checkpassword /bin/true 2>smtp.log &
CLEANUP_PIDS="$CLEANUP_PIDS $!"
i=0; while ! tcpclient -R -H 127.0.0.1 "$SMTP" true 2>/dev/null; do i=$((i+1)); [ $i -gt 100 ] && break; sleep 0.05; done

cat > client.py <<'PY'
# client.py PORT USER|- BURSTS RCPTS SENDER [MAIL-PARAMS]: one connection,
# BURSTS messages of RCPTS outside recipients each; prints the reply codes.
import smtplib, sys
port, user, bursts, n, sender = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
params = sys.argv[6:]
s = smtplib.SMTP("127.0.0.1", port, timeout=30)
s.ehlo("client.test")
if user != "-":
    s.login(user, "secret")
codes = []
for b in range(bursts):
    code, _ = s.mail(sender, params)
    rcpts = ["r%d@example.test" % i if user == "-" else "r%d-%d@far.example" % (b, i) for i in range(n)]
    for r in rcpts:
        s.rcpt(r)
    code, _ = s.data(b"Subject: offer %d\r\n\r\nbuy now\r\n" % b)
    codes.append(str(code))
s.quit()
print(" ".join(codes))
PY
burst=$(python3 client.py "$SMTP" alice@example.com 8 10 alice@example.com 2>&1)
same "a burst of 8 messages x 10 recipients: 2 accepted, then 451 (over the limit, then suspended)" "$burst" \
  "250 250 451 451 451 451 451 451"
contains "the suspension is one line on the service's log" smtp.log 'sendlimit: suspended account=alice@example.com source=auth recipients=10: 50 recipients tried'
same "exactly one suspension line" "$(grep -c 'sendlimit: suspended' smtp.log)" 1
notice=$(ls maildirs/alice@example.com/new)
same "the notice lands in alice's Maildir" "$(echo "$notice" | grep -c .)" 1
contains "it is the suspension notice" "maildirs/alice@example.com/new/$notice" '^Subject: sending suspended for alice@example.com$'
same "and one in the postmaster's" "$(grep -l '^To: postmaster@mail.test$' maildirs/postmaster@mail.test/new/* | wc -l)" 1
same "bob, on another connection, still sends" "$(python3 client.py "$SMTP" bob@example.com 1 3 bob@example.com 2>&1)" "250"
same "mail for alice still arrives (inbound, uncounted)" "$(python3 client.py "$SMTP" - 1 1 friend@else.example 2>&1)" "250"
same "an unauthenticated client naming carol in MAIL FROM AUTH= is inbound, uncounted" \
  "$(python3 client.py "$SMTP" - 1 1 x@else.example AUTH=carol@example.com 2>&1)" "250"
check "no record for the name it gave" test ! -e store/carol@example.com
same "alice stays refused" "$(python3 client.py "$SMTP" alice@example.com 1 1 alice@example.com 2>&1)" "451"
sendlimit-release alice@example.com 2>/dev/null
same "released, alice is back under her limits: still full for this hour" \
  "$(python3 client.py "$SMTP" alice@example.com 1 1 alice@example.com 2>&1)" "451"
contains "refused as over the rate, not as suspended" smtp.log 'refused account=alice@example.com source=auth recipients=1: over rcpt:20/1h'
sendlimit-override alice@example.com rcpt:100/1h 2>/dev/null
same "with an override she sends again" "$(python3 client.py "$SMTP" alice@example.com 1 1 alice@example.com 2>&1)" "250"
finish
