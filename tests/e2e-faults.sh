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
for tool in strace unshare cdbget cdbdump; do
  command -v $tool > /dev/null || { not_ok "$tool is installed (tests/setup)"; finish; }
done

unset RELAYLOCK_RELAYCLIENT RELAYLOCK_V6PREFIX RELAYLOCK_EXPIRY TCPREMOTEIP IP USER QSEND_LOGFD
RELAYLOCK_DIR=$SCRATCH/locks RELAYLOCK_NEVER="" RELAYLOCK_RULES=$SCRATCH/rules RELAYLOCK_CDB=$SCRATCH/rules.cdb
export RELAYLOCK_DIR RELAYLOCK_NEVER RELAYLOCK_RULES RELAYLOCK_CDB
printf '127.:allow,RELAYCLIENT=""\n10.:deny\n:allow\n' > rules

# Rules mode leaves rebuilds to a detached process: wait until none is
# pending and nobody holds the rebuild lock (bounded: 30 s).
settled() {
  n=0
  until { ! [ -e "$RELAYLOCK_CDB.pending" ] && flock -n "$RELAYLOCK_CDB.lock" true; } || [ $n -ge 300 ]; do
    sleep 0.1; n=$((n + 1))
  done
}
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
verify_users() {
  { cmp -s users.cdb want-old-users.cdb || cmp -s users.cdb want-new-users.cdb; } &&
    smtp-auth-mkdb users.cdb users.tmp < new.users 2>/dev/null && cmp -s users.cdb want-new-users.cdb
}
every_step "smtp-auth-mkdb" reset_users verify_users sh -c 'exec smtp-auth-mkdb users.cdb users.tmp < new.users'

finish
