#!/bin/sh
# relaylock-rules against the installed tcprules (Debian's ucspi-tcp-ipv6),
# lock merging checked with cdbget, rules mode end to end through the real
# tcpserver -x, and coalescing of rebuilds under a burst of logins.
# The installed tcprules spins forever on some invalid lines: it only ever
# sees the valid corpus, and always under timeout.
. "$(dirname "$0")/lib.sh"

GOLDEN=$TOP/tests/golden/rules
unset RELAYLOCK_RULES RELAYLOCK_CDB RELAYLOCK_RELAYCLIENT RELAYLOCK_V6PREFIX RELAYLOCK_EXPIRY TCPREMOTEIP IP USER
RELAYLOCK_DIR=$SCRATCH/locks
RELAYLOCK_NEVER=""
export RELAYLOCK_DIR RELAYLOCK_NEVER
mkdir "$RELAYLOCK_DIR" || exit 111

dump() { cdbdump < "$1" | od -An -c; }
# get CDB KEY: the record's data with NULs shown as '|', or "(none)".
get() { cdbget "$2" < "$1" > "$SCRATCH/got" 2>/dev/null && tr '\0' '|' < "$SCRATCH/got" || echo "(none)"; }
login() {  # ADDRESS USER [ENV...]: a POP login through relaylock
  a=$1; u=$2; shift 2
  env TCPREMOTEIP="$a" USER="$u" "$@" relaylock true
}

# 1. Differential: same cdb as the installed tcprules for every valid file.
for f in "$GOLDEN"/*.rules; do
  name=${f##*/}
  rm -f "$SCRATCH/t.cdb" "$SCRATCH/o.cdb"
  timeout 5 tcprules "$SCRATCH/t.cdb" "$SCRATCH/t.tmp" < "$f" > /dev/null 2>&1
  ts=$?
  timeout 5 relaylock-rules "$SCRATCH/o.cdb" "$SCRATCH/o.tmp" < "$f" 2> "$SCRATCH/err"
  os=$?
  if [ "$ts" -ne 0 ]; then not_ok "$name: installed tcprules failed ($ts)"; continue; fi
  same "$name: exit 0 and nothing logged" "$os $(cat "$SCRATCH/err")" "0 "
  if [ "$(dump "$SCRATCH/o.cdb")" = "$(dump "$SCRATCH/t.cdb")" ] && [ -n "$(dump "$SCRATCH/t.cdb")" ]; then
    ok "$name: cdbdump equals tcprules'"
  else
    not_ok "$name: cdbdump differs from tcprules'"
    diff "$SCRATCH/t.cdb" "$SCRATCH/o.cdb" | head -5 | sed 's/^/#   /'
  fi
  check "$name: byte-identical cdb" cmp -s "$SCRATCH/o.cdb" "$SCRATCH/t.cdb"
done

# Lines without a colon and blank-only lines are skipped (ucspi-tcp 0.88;
# the installed tcprules would spin on them, so it gets the file without them).
printf 'no colon at all\n   \n\t\n' | cat - "$GOLDEN/isp.rules" > "$SCRATCH/colonless.rules"
printf 'trailer without colon\n' >> "$SCRATCH/colonless.rules"
timeout 5 tcprules "$SCRATCH/t.cdb" "$SCRATCH/t.tmp" < "$GOLDEN/isp.rules"
timeout 5 relaylock-rules "$SCRATCH/o.cdb" "$SCRATCH/o.tmp" < "$SCRATCH/colonless.rules"
check "colonless and blank-only lines skipped" cmp -s "$SCRATCH/o.cdb" "$SCRATCH/t.cdb"

# Random lines (fixed seed) in every syntax the format allows; the ones
# relaylock-rules accepts that hold a colon (valid for the installed
# tcprules too) must compile to the same cdb.
if command -v python3 > /dev/null; then
  python3 - > "$SCRATCH/random.lines" <<'PY'
import random
rnd = random.Random(20261128)
alpha = "0123456789.-:=@#ab \t,\"'|x"
def text(chars, most):
    return "".join(rnd.choice(chars) for _ in range(rnd.randint(0, most)))
for _ in range(300):
    line = text(alpha, 14) + ":" + rnd.choice(["allow", "deny"])
    for _ in range(rnd.randint(0, 3)):
        q = rnd.choice("\"'|x=,:")
        line += "," + text("ABC_:, x", 4) + "=" + q + text("abc:, =-'\"|", 6).replace(q, "") + q
    print(line + rnd.choice(["", " ", "\t", " \t "]))
PY
  : > "$SCRATCH/random.rules"
  while IFS= read -r line; do
    case $line in *:*) ;; *) continue ;; esac
    printf '%s\n' "$line" > "$SCRATCH/one.rules"
    timeout 5 relaylock-rules "$SCRATCH/one.cdb" "$SCRATCH/one.tmp" < "$SCRATCH/one.rules" 2> /dev/null &&
      cat "$SCRATCH/one.rules" >> "$SCRATCH/random.rules"
  done < "$SCRATCH/random.lines"
  echo "# random corpus: $(wc -l < "$SCRATCH/random.rules") valid lines of 300"
  timeout 5 tcprules "$SCRATCH/t.cdb" "$SCRATCH/t.tmp" < "$SCRATCH/random.rules" > /dev/null 2>&1
  same "random corpus: installed tcprules accepts it" "$?" 0
  timeout 5 relaylock-rules "$SCRATCH/o.cdb" "$SCRATCH/o.tmp" < "$SCRATCH/random.rules"
  check "random corpus: byte-identical cdb" cmp -s "$SCRATCH/o.cdb" "$SCRATCH/t.cdb"
else
  ok "# SKIP python3 missing"
fi

# Lines longer than the read block, through a pipe, no final newline.
awk 'BEGIN { v = "y"; while (length(v) < 200000) v = v v
  printf "1.2.3.4:allow,X=\"%s\"\n", v; for (i = 0; i < 20000; i++) print "#c"
  printf "5.6.7.8:deny,Z=\"%s\"", substr(v, 1, 70000) }' > "$SCRATCH/long.rules"
timeout 5 tcprules "$SCRATCH/t.cdb" "$SCRATCH/t.tmp" < "$SCRATCH/long.rules"
cat "$SCRATCH/long.rules" | timeout 5 relaylock-rules "$SCRATCH/o.cdb" "$SCRATCH/o.tmp"
check "long lines through a pipe: byte-identical cdb" cmp -s "$SCRATCH/o.cdb" "$SCRATCH/t.cdb"

# 2. Syntax errors: exit 100, one line naming the line, old cdb untouched, no hang.
cp "$SCRATCH/o.cdb" "$SCRATCH/before.cdb"
n=0
for bad in '1.2.3.4:allow\nabc:\n|2' '1.2.3.4:foo\n|1' '# c\n\n1.2.3.4:allowx\n|3' \
           '1.2.3.4:allow,X="open\n|1' '1.2.3.4:allow ,X="a"\n|1' '1.2.3.4:allow\r\n|1' \
           '1.2.3.+4-5:allow\n|1' 'a:b:c:\n|1' '1.2.3.4:deny,X=""junk\n|1'; do
  n=$((n + 1))
  text=${bad%|*}
  want=${bad##*|}
  printf "$text" > "$SCRATCH/bad.rules"
  timeout 5 relaylock-rules "$SCRATCH/o.cdb" "$SCRATCH/o.tmp" < "$SCRATCH/bad.rules" 2> "$SCRATCH/err"
  st=$?
  same "syntax error $n: exit 100" "$st" 100
  same "syntax error $n: one line naming line $want" \
    "$(wc -l < "$SCRATCH/err") $(sed -n "s/^relaylock-rules: fatal: syntax error on line \([0-9]*\): .*/\1/p" "$SCRATCH/err")" \
    "1 $want"
  check "syntax error $n: old cdb untouched, no temp file" \
    sh -c "cmp -s '$SCRATCH/o.cdb' '$SCRATCH/before.cdb' && ! [ -e '$SCRATCH/o.tmp' ]"
done
timeout 5 relaylock-rules "$SCRATCH/o.cdb" < /dev/null 2> "$SCRATCH/err"
same "usage error: exit 100" "$?" 100
contains "usage error: says how" "$SCRATCH/err" '^relaylock-rules: usage: relaylock-rules CDB TMP'
timeout 5 relaylock-rules "$SCRATCH/no/such/dir.cdb" "$SCRATCH/no/such/dir.tmp" < "$GOLDEN/isp.rules" 2> "$SCRATCH/err"
same "unwritable temp file: exit 111" "$?" 111

# 3. Locks merged into the cdb.
cat > "$SCRATCH/merge.rules" <<'EOF'
192.0.2.9:deny
192.0.2.:allow,GREETING="dyn"
198.51.100.1:allow,RELAYCLIENT="@static",RBLSMTPD="-listed"
=.dialup.example:deny
:allow,DEFAULT="1"
EOF
login 192.0.2.7 joe
login 192.0.2.9 eve
login 198.51.100.1 ann
login 203.0.113.5 bob
login 2001:db8::5 six RELAYLOCK_V6PREFIX=128
login 2001:db8:1:2::99 sixty4
RELAYLOCK_RELAYCLIENT=@pop relaylock-rules "$SCRATCH/m.cdb" "$SCRATCH/m.tmp" < "$SCRATCH/merge.rules" 2> "$SCRATCH/err"
same "merge: exit 0" "$?" 0
same "merge: static prefix vars kept, relay added" "$(get "$SCRATCH/m.cdb" 192.0.2.7)" \
  "+GREETING=dyn|+RELAYCLIENT=@pop|+RBLSMTPD=|+RELAYLOCK_USER=joe|"
same "merge: tcpserver -6 key gets the default rule's vars" "$(get "$SCRATCH/m.cdb" ::ffff:192.0.2.7)" \
  "+DEFAULT=1|+RELAYCLIENT=@pop|+RBLSMTPD=|+RELAYLOCK_USER=joe|"
same "merge: a static deny stays denied" "$(get "$SCRATCH/m.cdb" 192.0.2.9)" "D|"
same "merge: the rule's own RELAYCLIENT and RBLSMTPD kept" "$(get "$SCRATCH/m.cdb" 198.51.100.1)" \
  "+RELAYCLIENT=@static|+RBLSMTPD=-listed|+RELAYLOCK_USER=ann|"
same "merge: default rule's vars for an unlisted address" "$(get "$SCRATCH/m.cdb" 203.0.113.5)" \
  "+DEFAULT=1|+RELAYCLIENT=@pop|+RBLSMTPD=|+RELAYLOCK_USER=bob|"
same "merge: IPv6 /128 lock as its exact address" "$(get "$SCRATCH/m.cdb" 2001:db8::5)" \
  "+DEFAULT=1|+RELAYCLIENT=@pop|+RBLSMTPD=|+RELAYLOCK_USER=six|"
same "merge: IPv6 /64 lock left out" "$(cdbdump < "$SCRATCH/m.cdb" | grep -c 2001:db8:1)" 0
contains "merge: warning names relaylock-check for IPv6" "$SCRATCH/err" \
  '^relaylock-rules: warning: 1 IPv6 prefix lock.*relaylock-check'
contains "merge: host-name deny warned about" "$SCRATCH/err" '^relaylock-rules: warning: .*=\.dialup\.example'
same "merge: never an empty key from a lock" "$(cdbdump < "$SCRATCH/m.cdb" | grep -c '^+0,')" 1
same "merge: the default rule is still the static one" \
  "$(cdbdump < "$SCRATCH/m.cdb" | tr '\0' '|' | grep '^+0,')" "+0,11:->+DEFAULT=1|"
cdbdump < "$SCRATCH/m.cdb" | tr '\0' '|' | grep '^+12,[0-9]*:198\.51\.100\.1->' > "$SCRATCH/both"
same "merge: lock record first, static record kept after it" \
  "$(wc -l < "$SCRATCH/both") $(head -n 1 "$SCRATCH/both" | grep -c RELAYLOCK_USER)" "2 1"
chmod 000 "$RELAYLOCK_DIR"
if [ -r "$RELAYLOCK_DIR" ]; then
  ok "# SKIP unreadable store (running as root)"
else
  relaylock-rules "$SCRATCH/f.cdb" "$SCRATCH/f.tmp" < "$SCRATCH/merge.rules" 2> "$SCRATCH/err"
  same "store fault: exit 0 without locks" "$? $(get "$SCRATCH/f.cdb" 192.0.2.7)" "0 (none)"
  contains "store fault: warned" "$SCRATCH/err" 'warning: unable to read locks'
fi
chmod 755 "$RELAYLOCK_DIR"
RELAYLOCK_DIR=$SCRATCH/missing relaylock-rules "$SCRATCH/f.cdb" "$SCRATCH/f.tmp" < "$SCRATCH/merge.rules" 2> "$SCRATCH/err"
same "missing store: exit 0 without locks" "$? $(get "$SCRATCH/f.cdb" 192.0.2.7)" "0 (none)"
contains "missing store: warned" "$SCRATCH/err" 'warning: unable to read locks'

# 4. Rules mode end to end through tcpserver -x.
RELAYLOCK_DIR=$SCRATCH/locks2
mkdir "$RELAYLOCK_DIR"
RELAYLOCK_RULES=$SCRATCH/tcp.smtp
RELAYLOCK_CDB=$SCRATCH/tcp.smtp.cdb
export RELAYLOCK_RULES RELAYLOCK_CDB
printf '127.0.0.4:allow,RELAYCLIENT="static"\n127.0.0.:allow,SITE="lo"\n' > "$RELAYLOCK_RULES"
relaylock-rules "$RELAYLOCK_CDB" "$RELAYLOCK_CDB.tmp" < "$RELAYLOCK_RULES"
port=$(free_port)
tcpserver -R -H -l 0 -x "$RELAYLOCK_CDB" 127.0.0.1 "$port" \
  sh -c 'echo "relay=${RELAYCLIENT-none} user=${RELAYLOCK_USER-none} site=$SITE"' 2> "$SCRATCH/tcpserver.err" &
CLEANUP_PIDS="$CLEANUP_PIDS $!"
from() { timeout 5 tcpclient -R -H -l 0 -i "$1" 127.0.0.1 "$port" sh -c 'cat <&6' 2>/dev/null; }
i=0
until [ "$(from 127.0.0.3)" ] || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
same "tcpserver: no lock, no relay" "$(from 127.0.0.2)" "relay=none user=none site=lo"
login 127.0.0.2 joe 2> "$SCRATCH/login.err"
st=$?; settled
contains "relaylock rebuilt the cdb on login" "$SCRATCH/login.err" '^relaylock: rebuild '
same "tcpserver: locked client relays" "$(from 127.0.0.2)" "relay= user=joe site=lo"
same "tcpserver: other client does not" "$(from 127.0.0.3)" "relay=none user=none site=lo"
login 127.0.0.2 joe 2> "$SCRATCH/login.err"
st=$?; settled
lacks "a refreshed lock needs no rebuild" "$SCRATCH/login.err" 'rebuild'
login 127.0.0.4 amy
st=$?; settled
same "tcpserver: a static RELAYCLIENT wins" "$(from 127.0.0.4)" "relay=static user=amy site="
relaylock-revoke 127.0.0.2 2> "$SCRATCH/revoke.err"
st=$?; settled
same "revoke: exit 0" "$st" 0
contains "revoke rebuilt the cdb" "$SCRATCH/revoke.err" '^relaylock-revoke: rebuild '
same "tcpserver: revoked client no longer relays" "$(from 127.0.0.2)" "relay=none user=none site=lo"
login 127.0.0.3 ann
st=$?; settled
same "tcpserver: new lock relays" "$(from 127.0.0.3)" "relay= user=ann site=lo"
sleep 2
RELAYLOCK_EXPIRY=1 relaylock-expire 2> "$SCRATCH/expire.err"
st=$?; settled
same "expire: exit 0" "$st" 0
contains "expire rebuilt the cdb" "$SCRATCH/expire.err" '^relaylock-expire: rebuild '
same "tcpserver: expired client no longer relays" "$(from 127.0.0.3)" "relay=none user=none site=lo"
# 4b. relaylock-expire -w, the supervised sweeper: each lock leaves the cdb
# at its own expiry, without a cron run.
RELAYLOCK_EXPIRY=1 relaylock-expire -w 2> "$SCRATCH/watch.err" &
watcher=$!
CLEANUP_PIDS="$CLEANUP_PIDS $watcher"
login 127.0.0.6 wes 2>/dev/null
settled
i=0
until [ "$(get "$RELAYLOCK_CDB" 127.0.0.6)" = "(none)" ] || [ $i -ge 200 ]; do sleep 0.1; i=$((i + 1)); done
same "expire -w: the lock left the cdb by itself" "$(get "$RELAYLOCK_CDB" 127.0.0.6)" "(none)"
check "expire -w: ... and the store" test ! -e "$RELAYLOCK_DIR/127.0.0.6"
contains "expire -w: it rebuilt the cdb" "$SCRATCH/watch.err" '^relaylock-expire: rebuild '
check "expire -w: still running, for the next lock" kill -0 $watcher
kill $watcher
settled
printf 'broken:\n' > "$RELAYLOCK_RULES"
cp "$RELAYLOCK_CDB" "$SCRATCH/good.cdb"
login 127.0.0.5 zed 2> "$SCRATCH/login.err"
st=$?; settled
same "broken rules: the login still succeeds" "$st" 0
contains "broken rules: warned with the line" "$SCRATCH/login.err" 'warning: unable to rebuild .*syntax error on line 1'
check "broken rules: old cdb kept" cmp -s "$RELAYLOCK_CDB" "$SCRATCH/good.cdb"

# 5. Coalescing: 200 concurrent logins from new addresses.
RELAYLOCK_DIR=$SCRATCH/locks3
RELAYLOCK_CDB=$SCRATCH/burst.cdb
mkdir "$RELAYLOCK_DIR"
printf ':allow\n' > "$RELAYLOCK_RULES"
: > "$SCRATCH/burst.err"
i=0
burst=""
while [ $i -lt 200 ]; do
  TCPREMOTEIP=10.7.$((i / 100)).$((i % 100 + 1)) USER=u$i relaylock true 2>> "$SCRATCH/burst.err" &
  burst="$burst $!"
  i=$((i + 1))
done
wait $burst
settled
rebuilds=$(grep -c '^relaylock: rebuild ' "$SCRATCH/burst.err")
echo "# 200 concurrent logins: $rebuilds rebuild(s)"
same "burst: every lock in the final cdb" \
  "$(cdbdump < "$RELAYLOCK_CDB" | tr '\0' '|' | grep -c '^+[0-9]*,[0-9]*:10\.7\.')" 200
check "burst: rebuilds coalesced ($rebuilds for 200 logins)" test "$rebuilds" -ge 1 -a "$rebuilds" -le 25
lacks "burst: no faults" "$SCRATCH/burst.err" 'warning'
check "burst: no marker or temp file left" sh -c "! [ -e '$RELAYLOCK_CDB.pending' ] && ! [ -e '$RELAYLOCK_CDB.tmp' ]"

# 5b. A rebuild that fails (here a broken rules file) is retried by the
# next relaylock-expire even when nothing more expired: an expired lock
# must not keep relay in the cdb.
settled
printf ':allow\n' > "$RELAYLOCK_RULES"
login 10.9.9.9 fay 2>/dev/null
settled
check "retry: the new lock is in the cdb" sh -c "cdbget 10.9.9.9 < '$RELAYLOCK_CDB' > /dev/null"
printf 'bad:x\n' > "$RELAYLOCK_RULES"
status "retry: expire with a broken rules file exits 111" 111 env RELAYLOCK_EXPIRY=0 relaylock-expire 2>/dev/null
settled
check "retry: the failure is remembered (CDB.failed)" test -e "$RELAYLOCK_CDB.failed"
printf ':allow\n' > "$RELAYLOCK_RULES"
status "retry: the next expire, with nothing left to expire, exits 0" 0 env RELAYLOCK_EXPIRY=0 relaylock-expire 2>/dev/null
settled
same "retry: ... and rebuilt: the expired lock no longer relays" "$(get "$RELAYLOCK_CDB" 10.9.9.9)" "(none)"
check "retry: the failure marker is gone" test ! -e "$RELAYLOCK_CDB.failed"

# 5c. A manual run on the rules-mode cdb waits for a rebuild in progress.
# Ordered by the lock, not by a clock: the holder marks its release.
settled
rm -f "$SCRATCH/released"
flock "$RELAYLOCK_CDB.lock" sh -c "sleep 0.5; touch '$SCRATCH/released'" &
holder=$!
i=0
while flock -n "$RELAYLOCK_CDB.lock" true && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
relaylock-rules "$RELAYLOCK_CDB" "$RELAYLOCK_CDB.manual" < "$RELAYLOCK_RULES" 2>/dev/null
rc=$?
if [ -e "$SCRATCH/released" ]; then after=yes; else after=no; fi
wait $holder
same "manual run while a rebuild holds the lock: exit 0" "$rc" 0
same "manual run waited for the rebuild lock (finished after the holder released it)" "$after" yes

# 6. The man page.
if command -v groff > /dev/null; then
  same "man page: groff -man -ww silent" "$(groff -man -ww -z "$TOP/relaylock/relaylock-rules.8" 2>&1)" ""
else
  ok "# SKIP groff missing"
fi
contains "man page: EXIT CODES section" "$TOP/relaylock/relaylock-rules.8" '^\.SH EXIT CODES'
contains "man page: IPv6 sites use relaylock-check" "$TOP/relaylock/relaylock-rules.8" 'IPv6 sites use'

finish
