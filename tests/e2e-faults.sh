#!/bin/sh
# Fault injection through the programs' real interfaces:
#  - kill -9 at every system call of a rebuild, a login, an expiry and a
#    users-cdb compile (strace -e inject=SYSCALL:signal=KILL:when=N, for
#    each system call the undisturbed run makes): the cdb is always the old
#    one or the new one, never broken, and no lock is lost for good;
#  - EINTR storms: every other read, write, flock, poll and sleep fails
#    with EINTR, and every program still does exactly what it does
#    undisturbed;
#  - a full file system (a 64 KiB tmpfs, filled) and a read-only store (a
#    read-only bind mount), each in a mount namespace of its own.
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH" || exit 111
[ -x "$TOP/tests/exec-probe" ] || { not_ok "tests/exec-probe is built (make check builds it)"; finish; }
for tool in strace unshare cdbget cdbdump; do
  command -v $tool > /dev/null || { not_ok "$tool is installed (tests/setup)"; finish; }
done

unset RELAYLOCK_RELAYCLIENT RELAYLOCK_V6PREFIX RELAYLOCK_EXPIRY TCPREMOTEIP IP USER QSEND_LOGFD
RELAYLOCK_DIR=$SCRATCH/locks RELAYLOCK_NEVER="" RELAYLOCK_RULES=$SCRATCH/rules RELAYLOCK_CDB=$SCRATCH/rules.cdb
export RELAYLOCK_DIR RELAYLOCK_NEVER RELAYLOCK_RULES RELAYLOCK_CDB
printf '127.:allow,RELAYCLIENT=""\n10.:deny\n:allow\n' > rules

login() { env TCPREMOTEIP="$1" USER="$2" relaylock true; }
# in_cdb ADDRESS: the address's lock is a record of the cdb
in_cdb() { cdbget "$1" < "$RELAYLOCK_CDB" 2>/dev/null | grep -q RELAYLOCK_USER; }
cdb_sound() { cdbdump < "$1" > /dev/null 2>&1; }

# every_step NAME RESET VERIFY COMMAND...: runs COMMAND once under strace to
# learn which system calls it makes (its children's too), then, for each
# call, RESET, COMMAND killed with SIGKILL at that call, and VERIFY. One
# test line: how many kills, and the first few steps VERIFY failed after.
every_step() {
  name=$1 reset=$2 verify=$3; shift 3
  if [ -n "$SANITIZED" ]; then
    # what a kill leaves behind does not depend on the compiler, and a
    # sanitizer build's hundreds of start-ups under strace take too long
    ok "$name # SKIP run by the plain build's make check"
    return
  fi
  $reset
  # strace returns when every process it follows has gone (the detached
  # rebuilder too), so nothing is left running after it
  strace -f -qq -o "$SCRATCH/trace" "$@" > /dev/null 2>&1
  awk '{ sub(/\(.*/, "", $2); if ($2 !~ /^[<+-]/ && $2 != "") print $2 }' "$SCRATCH/trace" |
    sort | uniq -c > "$SCRATCH/calls"
  kills=0 broken=""
  while read -r count call; do
    k=1
    while [ "$k" -le "$count" ]; do
      $reset
      strace -f -qq -o /dev/null -e inject="$call:signal=KILL:when=$k" "$@" > /dev/null 2>&1
      kills=$((kills + 1))
      $verify || broken="$broken $call#$k"
      k=$((k + 1))
    done
  done < "$SCRATCH/calls"
  if [ -z "$broken" ] && [ "$kills" -gt 10 ]; then
    ok "$name: sound after each of $kills kills"
  else
    not_ok "$name: $kills kills, unsound after:$(echo "$broken" | cut -d' ' -f1-8)"
  fi
}

# 1. relaylock-rules compiling a cdb: the old cdb or the new one, and the
# next run succeeds whatever the killed one left behind.
printf '192.0.2.1:allow,RELAYCLIENT=""\n:allow\n' > old.rules
printf '192.0.2.1:allow,RELAYCLIENT=""\n192.0.2.2:allow,RELAYCLIENT=""\n:deny\n' > new.rules
relaylock-rules want-old.cdb want-old.tmp < old.rules 2>/dev/null
relaylock-rules want-new.cdb want-new.tmp < new.rules 2>/dev/null
reset_compile() { rm -f t.cdb t.tmp; cp want-old.cdb t.cdb; }
verify_compile() {
  { cmp -s t.cdb want-old.cdb || cmp -s t.cdb want-new.cdb; } &&
    relaylock-rules t.cdb t.tmp < new.rules 2>/dev/null && cmp -s t.cdb want-new.cdb
}
every_step "relaylock-rules" reset_compile verify_compile sh -c 'exec relaylock-rules t.cdb t.tmp < new.rules'

# 2. A POP login in rules mode (lock, then rebuild): whatever step it dies
# at, the cdb is sound and keeps the earlier lock; once the next
# relaylock-expire has run, the cdb holds exactly the locks in the store.
reset_login() {
  settled
  rm -rf locks rules.cdb rules.cdb.* && mkdir locks
  login 192.0.2.1 early 2>/dev/null
  settled
}
consistent() {  # every lock in the store is in the cdb, and no other
  for a in 192.0.2.1 192.0.2.2 192.0.2.3; do
    if relaylock-list 2>/dev/null | grep -q "^$a "; then in_cdb $a || return 1; else ! in_cdb $a || return 1; fi
  done
}
verify_login() {
  cdb_sound rules.cdb && in_cdb 192.0.2.1 || return 1
  relaylock-expire 2>/dev/null
  settled
  consistent
}
every_step "relaylock login" reset_login verify_login env TCPREMOTEIP=192.0.2.2 USER=late relaylock true

# 3. relaylock-expire removing an expired lock: sound cdb; after a rerun the
# expired lock is gone from the store and from the cdb, the fresh one kept.
reset_expire() {
  settled
  rm -rf locks rules.cdb rules.cdb.* && mkdir locks
  login 192.0.2.1 fresh 2>/dev/null
  login 192.0.2.3 stale 2>/dev/null
  settled
  printf '%s stale\n' $(( $(date +%s) - 7200 )) > "locks/192.0.2.3"
}
verify_expire() {
  cdb_sound rules.cdb && in_cdb 192.0.2.1 || return 1
  relaylock-expire 2>/dev/null
  settled
  consistent && ! in_cdb 192.0.2.3 && in_cdb 192.0.2.1
}
every_step "relaylock-expire" reset_expire verify_expire relaylock-expire

# 4. relaylock-revoke: the cdb is sound; the administrator's rerun of the
# killed command leaves the address relaying nowhere, even when the killed
# one had already emptied the store.
verify_revoke() {
  cdb_sound rules.cdb || return 1
  relaylock-revoke 192.0.2.1 > /dev/null 2>&1
  settled
  consistent && ! in_cdb 192.0.2.1
}
every_step "relaylock-revoke" reset_login verify_revoke relaylock-revoke 192.0.2.1

# 5. smtp-auth-mkdb: the users cdb is the old one or the new one.
printf 'alice:{PLAIN}old\n' > old.users
printf 'alice:{PLAIN}new\nbob:{PLAIN}new\n' > new.users
smtp-auth-mkdb want-old-users.cdb u.tmp < old.users 2>/dev/null
smtp-auth-mkdb want-new-users.cdb u.tmp < new.users 2>/dev/null
reset_users() { rm -f users.cdb users.tmp; cp want-old-users.cdb users.cdb; }
# The same users as cdb B: A is a sound cdb whose records are B's, but for
# the refusal floor, which each build measures anew (smtp-auth-mkdb(8)).
same_users() {
  cdbdump < "$1" > "$1.dump" 2>/dev/null && cdbdump < "$2" > "$2.dump" 2>/dev/null || return 1
  grep -av 'refusal-floor' "$1.dump" > "$1.users"; grep -av 'refusal-floor' "$2.dump" > "$2.users"
  cmp -s "$1.users" "$2.users" && [ "$(grep -ac 'refusal-floor' "$1.dump")" = 1 ]
}
verify_users() {
  { cmp -s users.cdb want-old-users.cdb || same_users users.cdb want-new-users.cdb; } &&
    smtp-auth-mkdb users.cdb users.tmp < new.users 2>/dev/null && same_users users.cdb want-new-users.cdb
}
every_step "smtp-auth-mkdb" reset_users verify_users sh -c 'exec smtp-auth-mkdb users.cdb users.tmp < new.users'

# 6. EINTR storms: every first, third, fifth ... call of each interruptible
# system call fails with EINTR, in every process of the chain (the chain
# ends in tests/exec-probe, static and EINTR-safe: a dynamic loader would
# not survive it). Each program must do exactly what it does undisturbed.
PROBE=$TOP/tests/exec-probe
printf 'alice:{PLAIN}secret\n' | smtp-auth-mkdb users.cdb users.tmp 2>/dev/null
mkdir -p state control && echo mail.example.jp > control/me
eintr_storms() {
  # storm [NAME=VALUE...] PROGRAM ARG...: no env(1) or sh(1) in between,
  # for the same reason.
  storm() {
    (
      while [ $# -gt 0 ]; do case $1 in *=*) export "$1"; shift ;; *) break ;; esac; done
      exec strace -f -qq -o /dev/null \
        -e inject=read,write,pread64,pwrite64,flock,wait4,nanosleep,clock_nanosleep,poll,ppoll,pselect6,select:error=EINTR:when=1+2 \
        "$@"
    )
  }
  reset_login
  storm TCPREMOTEIP=192.0.2.2 USER=storm relaylock "$PROBE" TCPREMOTEIP > storm.out 2> storm.err
  same "EINTR: relaylock execs the next program" "$?:$(cat storm.out)" "0:TCPREMOTEIP=192.0.2.2"
  settled
  same "EINTR: the lock is stored" "$(relaylock-list 2>/dev/null | grep -c '^192\.0\.2\.2 .* storm$')" 1
  check "EINTR: the lock is in the cdb" in_cdb 192.0.2.2
  contains "EINTR: relaylock's log line is whole" storm.err '^relaylock: lock ip=192\.0\.2\.2 user=storm$'

  unset RELAYLOCK_RULES RELAYLOCK_CDB
  storm TCPREMOTEIP=192.0.2.2 relaylock-check "$PROBE" RELAYCLIENT RELAYLOCK_USER > storm.out 2> /dev/null
  same "EINTR: relaylock-check grants relay to the locked address" "$?:$(cat storm.out | tr '\n' ' ')" \
    "0:RELAYCLIENT= RELAYLOCK_USER=storm "
  storm TCPREMOTEIP=192.0.2.9 relaylock-check "$PROBE" RELAYCLIENT > storm.out 2> /dev/null
  same "EINTR: and not to another" "$(cat storm.out)" "RELAYCLIENT unset"
  RELAYLOCK_RULES=$SCRATCH/rules RELAYLOCK_CDB=$SCRATCH/rules.cdb
  export RELAYLOCK_RULES RELAYLOCK_CDB

  chk() {  # USER PASSWORD: the checker's exit status and what it ran
    printf '%s\0%s\0' "$1" "$2" > fd3
    storm CHKPW_USERS=$SCRATCH/users.cdb CHKPW_STATE=$SCRATCH/state SMTPAUTH= TCPREMOTEIP=192.0.2.5 \
      smtp-auth-checkpassword "$PROBE" USER 3< fd3 < /dev/null 2> /dev/null
    echo "exit $?"
  }
  same "EINTR: the checker accepts the right password" "$(chk alice secret | tr '\n' ' ')" "USER=alice exit 0 "
  same "EINTR: and refuses a wrong one, counted" "$(chk alice wrong)" "exit 1"
  same "EINTR: the failure was counted" "$(CHKPW_STATE=$SCRATCH/state smtp-auth-throttle 2>/dev/null | grep -c '^192\.0\.2\.5 alice failures=1')" 1

  printf 'PROXY TCP4 192.0.2.77 127.0.0.1 40000 25\r\nEHLO x\r\n' > proxy.in
  storm TCPREMOTEIP=127.0.0.1 PROXY_TRUSTED=127.0.0.1 proxy-remoteip "$PROBE" TCPREMOTEIP PROXY_FRONTENDIP \
    < proxy.in > storm.out 2> /dev/null
  same "EINTR: proxy-remoteip reads the header and sets the real address" "$?:$(cat storm.out | tr '\n' ' ')" \
    "0:TCPREMOTEIP=192.0.2.77 PROXY_FRONTENDIP=127.0.0.1 "

  G=$TOP/tests/golden/bounce
  storm SOURCE_DATE_EPOCH=827034880 CONTROLDIR=$SCRATCH/control bounce-fmt user@example.org abc@domain.jp \
    'Sorry, no mailbox here by that name. (#5.1.1)' < "$G/message.in" > storm.out 2> /dev/null
  check "EINTR: bounce-fmt writes qmail-send's bytes" cmp -s storm.out "$G/single.expected"
  storm relaylock-rules storm.cdb storm.tmp < new.rules 2> /dev/null
  check "EINTR: relaylock-rules compiles the same cdb" cmp -s storm.cdb want-new.cdb
  storm smtp-auth-mkdb storm-users.cdb storm-users.tmp < new.users 2> /dev/null
  check "EINTR: smtp-auth-mkdb compiles the same cdb" same_users storm-users.cdb want-new-users.cdb
}
if [ -n "$SANITIZED" ]; then
  # a sanitizer build links dynamically, and the loader gives up on EINTR
  for n in $(seq 1 13); do ok "EINTR storm $n # SKIP a sanitizer build's dynamic loader cannot take EINTR"; done
else
  eintr_storms
fi

# 7. A full file system and a read-only store, each in a mount namespace
# of its own: the login still proceeds, no grant and no data are lost or
# half-written, and every refusal is one line with a temporary exit code.
# in_ns SETUP COMMAND...: runs COMMAND in a new mount namespace after the
# shell commands SETUP (which mount over the scratch directories).
in_ns() { setup=$1; shift; unshare -m sh -c "$setup"' && exec "$@"' in_ns "$@"; }
# fill DIR: a 64 KiB tmpfs over DIR, holding DIR's files, then full.
fill() {
  echo "cp -a '$1' '$1.copy' && mount -t tmpfs -o size=64k tmpfs '$1' && cp -a '$1.copy'/. '$1'/ && \
    rm -rf '$1.copy' && { dd if=/dev/zero of='$1/.fill' bs=1k 2>/dev/null; true; }"
}
readonly_mount() { echo "mount --bind '$1' '$1' && mount -o remount,bind,ro '$1'"; }
if ! unshare -m sh -c "$(fill "$SCRATCH/state")" 2>/dev/null; then
  not_ok "a mount namespace with a tmpfs can be made (root, unshare -m)"; finish
fi

reset_login
unset RELAYLOCK_RULES RELAYLOCK_CDB
in_ns "$(fill "$SCRATCH/locks")" env TCPREMOTEIP=192.0.2.2 USER=full relaylock "$PROBE" TCPREMOTEIP > full.out 2> full.err
same "full store: the POP login proceeds" "$?:$(cat full.out)" "0:TCPREMOTEIP=192.0.2.2"
same "full store: with one warning" "$(grep -c 'warning' full.err):$(wc -l < full.err | tr -d ' ')" "1:1"
contains "full store: naming the fault" full.err 'No space left on device'
in_ns "$(readonly_mount "$SCRATCH/locks")" env TCPREMOTEIP=192.0.2.2 USER=ro relaylock "$PROBE" TCPREMOTEIP > ro.out 2> ro.err
same "read-only store: the POP login proceeds" "$?:$(cat ro.out)" "0:TCPREMOTEIP=192.0.2.2"
contains "read-only store: with one warning naming the fault" ro.err 'warning: .*Read-only file system'
same "neither left a lock behind" "$(relaylock-list 2>/dev/null | grep -c '^192\.0\.2\.2 ')" 0
status "read-only store: relaylock-revoke exits 111" 111 in_ns "$(readonly_mount "$SCRATCH/locks")" \
  relaylock-revoke 192.0.2.1 2> ro.err
same "read-only store: in one line" "$(wc -l < ro.err | tr -d ' ')" 1
same "read-only store: the lock is still there" "$(relaylock-list 2>/dev/null | grep -c '^192\.0\.2\.1 ')" 1
RELAYLOCK_RULES=$SCRATCH/rules RELAYLOCK_CDB=$SCRATCH/rules.cdb
export RELAYLOCK_RULES RELAYLOCK_CDB

mkdir cdbdir && cp want-old.cdb cdbdir/t.cdb
status "full disk: relaylock-rules exits 111" 111 in_ns "$(fill "$SCRATCH/cdbdir")" \
  sh -c "exec relaylock-rules '$SCRATCH/cdbdir/t.cdb' '$SCRATCH/cdbdir/t.tmp' < new.rules" 2> full.err
in_ns "$(fill "$SCRATCH/cdbdir")" sh -c "relaylock-rules '$SCRATCH/cdbdir/t.cdb' '$SCRATCH/cdbdir/t.tmp' < new.rules 2>/dev/null; \
  cmp -s '$SCRATCH/cdbdir/t.cdb' '$SCRATCH/want-old.cdb' && ! [ -e '$SCRATCH/cdbdir/t.tmp' ] && echo intact" > full.out
same "full disk: the old cdb is intact and no TMP is left" "$(cat full.out)" intact
contains "full disk: one line naming the fault" full.err 'No space left on device'
cp want-old-users.cdb cdbdir/u.cdb
in_ns "$(fill "$SCRATCH/cdbdir")" sh -c "smtp-auth-mkdb '$SCRATCH/cdbdir/u.cdb' '$SCRATCH/cdbdir/u.tmp' < new.users 2>/dev/null; \
  echo \$?; cmp -s '$SCRATCH/cdbdir/u.cdb' '$SCRATCH/want-old-users.cdb' && ! [ -e '$SCRATCH/cdbdir/u.tmp' ] && echo intact" > full.out
same "full disk: smtp-auth-mkdb exits 111, the old cdb intact, no TMP left" "$(cat full.out | tr '\n' ' ')" "111 intact "

for where in full readonly; do
  if [ $where = full ]; then setup=$(fill "$SCRATCH/state"); else setup=$(readonly_mount "$SCRATCH/state"); fi
  printf 'alice\0wrong\0' > fd3
  in_ns "$setup" env CHKPW_USERS=$SCRATCH/users.cdb CHKPW_STATE=$SCRATCH/state CHKPW_STORE_FAULT=tempfail SMTPAUTH= TCPREMOTEIP=192.0.2.6 \
    smtp-auth-checkpassword "$PROBE" 3< fd3 < /dev/null > /dev/null 2> chk.err
  same "$where throttle store, CHKPW_STORE_FAULT=tempfail: an uncountable failure is a temporary failure (111), as documented" "$?" 111
  same "$where throttle store, CHKPW_STORE_FAULT=tempfail: in one line" "$(wc -l < chk.err | tr -d ' ')" 1
  in_ns "$setup" env CHKPW_USERS=$SCRATCH/users.cdb CHKPW_STATE=$SCRATCH/state SMTPAUTH= TCPREMOTEIP=192.0.2.6 \
    smtp-auth-checkpassword "$PROBE" 3< fd3 < /dev/null > /dev/null 2> chk.err
  same "$where throttle store, CHKPW_STORE_FAULT=open (default): the wrong password is checked and refused (1)" "$?" 1
  same "$where throttle store, CHKPW_STORE_FAULT=open: one line says it could not count, one the refusal" \
    "$(grep -c 'could not count' chk.err) $(grep -c 'reason=bad_password$' chk.err) $(wc -l < chk.err | tr -d ' ')" "1 1 2"
done

finish
