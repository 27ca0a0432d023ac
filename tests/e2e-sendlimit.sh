# sendlimit driven as qmail-smtpd drives qmail-queue (qmail.c): message on
# a pipe at descriptor 0, written whole and closed, then the envelope on a
# pipe at descriptor 1, in an AUTH session's environment; the qmail-queue
# stand-in records what it got.
. "$(dirname "$0")/lib.sh"
cat > "$SCRATCH/qmail-smtpd.py" <<'PY'
# qmail-smtpd's side of qmail-queue: MSGFILE SENDER RECIPIENT...; exits
# with the queue program's exit status.
import os, sys
msg_r, msg_w = os.pipe()
env_r, env_w = os.pipe()
pid = os.fork()
if pid == 0:
    os.dup2(msg_r, 0); os.dup2(env_r, 1)
    for fd in (msg_r, msg_w, env_r, env_w): os.close(fd)
    os.execvp(os.environ["QMAILQUEUE"], [os.environ["QMAILQUEUE"]])
os.close(msg_r); os.close(env_r)
try:
    with open(sys.argv[1], "rb") as f:
        while True:
            chunk = f.read(65536)
            if not chunk: break
            os.write(msg_w, chunk) if len(chunk) < 4096 else [os.write(msg_w, chunk[i:i+4096]) for i in range(0, len(chunk), 4096)]
    os.close(msg_w)
    env = b"F" + sys.argv[2].encode() + b"\0" + b"".join(b"T" + r.encode() + b"\0" for r in sys.argv[3:]) + b"\0"
    os.write(env_w, env)
except BrokenPipeError:
    pass
os.close(env_w)
_, status = os.waitpid(pid, 0)
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 99)
PY
Q=$SCRATCH/queue; mkdir "$Q" "$SCRATCH/store" "$SCRATCH/control"
echo mail.test > "$SCRATCH/control/me"
export QMAILQUEUE="$BIN/sendlimit" SENDLIMIT_QUEUE="$STANDINS/qmail-queue" QUEUE_DIR="$Q" \
  SENDLIMIT_STORE="dir:$SCRATCH/store" CONTROLDIR="$SCRATCH/control"
unset SMTPAUTHUSER SMTP_AUTH_USER AUTHUSER RELAYCLIENT RELAYLOCK_USER TCPREMOTEINFO SENDLIMIT_RATES
export TCPREMOTEIP=192.0.2.7
LOG=$SCRATCH/log
# every program's lines (descriptor 2) go to the log the checks read
exec 2>>"$LOG"
# an AUTH session as sagredo's qmail leaves it
auth() { a=$1; shift; env SMTPAUTHUSER="$a" TCPREMOTEINFO="$a" RELAYCLIENT= "$@"; }
queued() { ls "$Q" | grep -c '\.msg$'; }
clear_queue() { rm -f "$Q"/*; }

python3 -c 'import os,sys; sys.stdout.buffer.write(b"Subject: binary\r\n\r\n" + bytes(range(256)) * 4096 + b"\n.\nno newline")' > "$SCRATCH/msg"
printf 'Subject: hi\n\nhello\n' > "$SCRATCH/small"

status "an authenticated message passes: exit 0" 0 auth alice@example.com python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/msg" alice@example.com bob@example.org carol@example.net
same "one message queued" "$(queued)" 1
check "the message reached the queue byte for byte" cmp -s "$SCRATCH/msg" "$Q"/*.msg
printf 'Falice@example.com\000Tbob@example.org\000Tcarol@example.net\000\000' > "$SCRATCH/env.want"
check "the envelope reached the queue byte for byte" cmp -s "$SCRATCH/env.want" "$Q"/*.env
contains "the pass is logged with the account" "$LOG" '^sendlimit: pass account=alice@example.com source=auth recipients=2$'
clear_queue

QUEUE_STATUS=53 auth alice@example.com python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" alice@example.com bob@example.org
same "the queue's temporary status is passed through" "$?" 53
QUEUE_STATUS=31 auth alice@example.com python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" alice@example.com bob@example.org
same "the queue's permanent status is passed through" "$?" 31
env SENDLIMIT_QUEUE=/nonexistent/qmail-queue SMTPAUTHUSER=alice@example.com python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" a@b c@d
same "a queue that cannot run: 120, as qmail's" "$?" 120

env SENDLIMIT_QUEUE="$BIN/sendlimit" SMTPAUTHUSER=alice@example.com python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" a@b c@d
same "SENDLIMIT_QUEUE naming sendlimit itself: 55, no chain" "$?" 55

# Over a rate: refused with 71, nothing queued
export SENDLIMIT_RATES="msg:2/1h rcpt:5/1h"
: > "$LOG"
for i in 1 2; do auth dave@example.com python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" dave@example.com x@example.org; done
status "the third message within the hour is refused: 71" 71 auth dave@example.com python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/msg" dave@example.com x@example.org
same "two messages queued, the refused one not" "$(queued)" 2
contains "the refusal names the account and the rate" "$LOG" 'sendlimit: refused account=dave@example.com source=auth recipients=1: over msg:2/1h; try later'
clear_queue
status "six recipients over rcpt:5/1h: 71" 71 auth erin@example.com python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" erin@example.com a@x b@x c@x d@x e@x f@x
status "five fit" 0 auth erin@example.com python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" erin@example.com a@x b@x c@x d@x e@x
clear_queue

# Concurrent senders of one account: refused exactly at the limit
export SENDLIMIT_RATES="msg:7/1h"
pids=""
for i in $(seq 1 20); do
  ( auth frank@example.com python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" frank@example.com "r$i@example.org"
    echo $? > "$SCRATCH/st.$i" ) &
  pids="$pids $!"
done
wait $pids
same "20 concurrent messages, limit 7: 7 queued" "$(queued)" 7
same "and 13 refused with 71" "$(cat "$SCRATCH"/st.* | grep -c '^71$')" 13
same "no other status" "$(cat "$SCRATCH"/st.* | grep -vc '^\(0\|71\)$')" 0
clear_queue

# Not relayed (inbound): uncounted, whatever TCPREMOTEINFO says
export SENDLIMIT_RATES="msg:0/1h"
status "inbound mail passes a zero limit" 0 env TCPREMOTEINFO=victim@example.com python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" someone@else.example user@example.com
check "and is not counted for the name the client gave" test ! -e "$SCRATCH/store/victim@example.com"
status "relayed mail is counted against the zero limit" 71 env RELAYCLIENT= python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" x@y z@w
check "by the client's address" test -e "$SCRATCH/store/[192.0.2.7]" -o -e "$SCRATCH/store/%5b192.0.2.7%5d"
export SENDLIMIT_RATES="msg:1/1h"
env RELAYCLIENT= RELAYLOCK_USER=grace TCPREMOTEINFO=mallory python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" grace@example.com z@w
out=$(SENDLIMIT_STORE="dir:$SCRATCH/store" "$BIN/sendlimit-list" 2>/dev/null)
same "POP-before-SMTP: counted for relaylock's user, not TCPREMOTEINFO" "$(echo "$out" | grep -c '^grace active')$(echo "$out" | grep -c '^mallory')" 10
env RELAYCLIENT= TCPREMOTEIP=2001:db8:1:2::5 python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" x@y z@w
env RELAYCLIENT= TCPREMOTEIP=2001:db8:1:2:aaaa::9 python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" x@y z@w
same "an IPv6 client counts by its /64" "$(SENDLIMIT_STORE="dir:$SCRATCH/store" "$BIN/sendlimit-list" 2>/dev/null | grep '^\[2001:db8:1:2::/64\]' | cut -d' ' -f1,2,5)" "[2001:db8:1:2::/64] active 1h=1/1"
clear_queue

# Store faults pass the message
: > "$LOG"
status "a missing store: the message passes" 0 env SENDLIMIT_STORE="dir:$SCRATCH/none" SMTPAUTHUSER=henry python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/msg" henry@example.com x@y
check "byte for byte" cmp -s "$SCRATCH/msg" "$Q"/*.msg
contains "with one warning" "$LOG" '^sendlimit: warning: store fault: unable to open store .*; passed uncounted account=henry'
status "an unusable store spec: the message passes" 0 env SENDLIMIT_STORE="redis://localhost" SMTPAUTHUSER=henry python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" henry@example.com x@y
clear_queue

# Containment: a burst from a hijacked account is suspended, notices go out
export SENDLIMIT_RATES="rcpt:20/1h" SENDLIMIT_SURGE=40
: > "$LOG"
codes=""
for i in $(seq 1 8); do
  auth ivan@example.com python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" ivan@example.com a@x b@x c@x d@x e@x f@x g@x h@x i@x j@x
  codes="$codes $?"
done
same "a burst: two pass, then refused, suspended at the fifth" "$codes" " 0 0 71 71 71 71 71 71"
same "one suspension line" "$(grep -c 'sendlimit: suspended account=ivan@example.com' "$LOG")" 1
contains "it gives the evidence" "$LOG" 'suspended account=ivan@example.com source=auth recipients=10: 50 recipients tried within an hour, above 40'
same "two messages and two notices queued" "$(queued)" 4
notices=$(grep -l 'Subject: sending suspended for ivan@example.com' "$Q"/*.msg | wc -l)
same "two notices" "$notices" 2
envs=$(for f in $(grep -l 'Subject: sending suspended' "$Q"/*.msg); do od -An -c "${f%.msg}.env" | tr -d ' \n'; echo; done | sort)
same "one to the account and one to the postmaster, with an empty sender" "$envs" "$(printf 'F\\0Tivan@example.com\\0\\0\nF\\0Tpostmaster@mail.test\\0\\0')"
contains "the notice says how to release" "$(grep -l 'Subject: sending suspended' "$Q"/*.msg | head -1)" '^the account with: sendlimit-release ivan@example.com$'
unset SENDLIMIT_SURGE
export SENDLIMIT_RATES="rcpt:1000/1h"
status "the suspended account is refused even under a high limit" 71 auth ivan@example.com python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" ivan@example.com a@x
contains "as suspended" "$LOG" 'refused account=ivan@example.com .*: suspended \(surge\) until released'
status "another account still sends" 0 auth judy@example.com python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" judy@example.com a@x
status "inbound mail for the suspended account still arrives" 0 python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" friend@else.example ivan@example.com
same "sendlimit-list shows the suspension" "$("$BIN/sendlimit-list" 2>/dev/null | grep '^ivan@example.com' | cut -d' ' -f1-3)" "ivan@example.com suspended surge"
status "sendlimit-release ACCOUNT: exit 0" 0 "$BIN/sendlimit-release" ivan@example.com 2>>"$LOG"
contains "and one line" "$LOG" '^sendlimit-release: released account=ivan@example.com$'
status "released: the account sends again" 0 auth ivan@example.com python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" ivan@example.com a@x
status "release is idempotent" 0 "$BIN/sendlimit-release" -- ivan@example.com nobody 2>/dev/null
clear_queue

# Overrides
export SENDLIMIT_RATES="msg:100/1h"
status "sendlimit-override ACCOUNT RATES" 0 "$BIN/sendlimit-override" kim@example.com msg:1/1d 2>/dev/null
auth kim@example.com python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" kim@example.com a@x
status "the override applies" 71 auth kim@example.com python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" kim@example.com a@x
same "and is listed" "$("$BIN/sendlimit-list" 2>/dev/null | grep '^kim@' | sed 's/.* //')" "override=msg:1/1d"
status "-c removes it" 0 "$BIN/sendlimit-override" -c kim@example.com 2>/dev/null
status "the site's rates apply again" 0 auth kim@example.com python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" kim@example.com a@x
status "a malformed override: 100" 100 "$BIN/sendlimit-override" kim@example.com msg:lots 2>/dev/null

# The sender policy
status "SENDLIMIT_SENDERS=domain: a sender of the account's domain passes" 0 env SENDLIMIT_SENDERS=domain SMTPAUTHUSER=lee@example.com python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" sales@example.com a@x
status "another domain is refused for good (31)" 31 env SENDLIMIT_SENDERS=domain SMTPAUTHUSER=lee@example.com python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" ceo@bank.example a@x
status "SENDLIMIT_SENDERS=exact: only the account itself" 31 env SENDLIMIT_SENDERS=exact SMTPAUTHUSER=lee@example.com python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" sales@example.com a@x

# The failure rule with a store that reads but cannot be written (an
# immutable directory: root ignores permissions): a recorded suspension
# still holds, everybody else passes.
printf 'sendlimit-record 1\nsuspended 1000000000 surge\nattempts\nnetworks\npeaks\n' > "$SCRATCH/store/mona@example.com"
if chattr +i "$SCRATCH/store" 2>/dev/null; then
  : > "$LOG"
  status "store unwritable: a suspended account is still refused" 71 auth mona@example.com python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" mona@example.com a@x
  status "store unwritable: another account passes" 0 auth nina@example.com python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" nina@example.com a@x
  contains "the lost count is logged" "$LOG" 'sendlimit: warning: store fault: .*\(the count is lost\)'
  chattr -i "$SCRATCH/store"
else
  ok "store unwritable: # skip chattr +i is not available here"
fi
printf 'lee@example.com @partner.example\n' > "$SCRATCH/senders"
status "SENDLIMIT_SENDERS=/PATH: a sender the account's line lists passes" 0 env SENDLIMIT_SENDERS="$SCRATCH/senders" SMTPAUTHUSER=lee@example.com python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" boss@partner.example a@x
status "one it does not list is refused" 31 env SENDLIMIT_SENDERS="$SCRATCH/senders" SMTPAUTHUSER=lee@example.com python3 "$SCRATCH/qmail-smtpd.py" "$SCRATCH/small" ceo@bank.example a@x

# The admin tools' conventions
for prog in sendlimit-list sendlimit-release sendlimit-override; do
  out=$("$BIN/$prog" --help 2>&1 >/dev/null)
  same "$prog --help: nothing on descriptor 2" "$out" ""
  same "$prog --help: usage on standard output, exit 0" "$("$BIN/$prog" --help 2>/dev/null | cut -c1-6) $?" "usage: 0"
done
status "sendlimit-list with an operand: 100" 100 "$BIN/sendlimit-list" x 2>/dev/null
status "sendlimit-release without an account: 100" 100 "$BIN/sendlimit-release" 2>/dev/null
status "sendlimit-list on a missing store: 111" 111 env SENDLIMIT_STORE="dir:$SCRATCH/none" "$BIN/sendlimit-list" 2>/dev/null
status "sendlimit-release on a missing store: 111" 111 env SENDLIMIT_STORE="dir:$SCRATCH/none" "$BIN/sendlimit-release" x 2>/dev/null
out=$("$BIN/sendlimit-release" nobody 2>&1 >/dev/null)
same "admin tools log to descriptor 2" "$out" "sendlimit-release: not suspended account=nobody"
finish
