#!/bin/sh
# The failure throttle of smtp-auth-checkpassword and smtp-auth-throttle:
# lockout without checking the password, per address/user, per address,
# other addresses unaffected, clearing, trusted addresses, concurrent
# updates, pruning, store faults.
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH" || exit 111
printf 'alice:{PLAIN}secret\nbob:{PLAIN}secret\n' > users
smtp-auth-mkdb users.cdb users.tmp < users || not_ok "smtp-auth-mkdb"
mkdir state
CHKPW_USERS=$SCRATCH/users.cdb CHKPW_STATE=$SCRATCH/state CHKPW_MAXFAIL=2 CHKPW_WINDOW=60 CHKPW_LOCKOUT=60 SMTPAUTH=
export CHKPW_USERS CHKPW_STATE CHKPW_MAXFAIL CHKPW_WINDOW CHKPW_LOCKOUT SMTPAUTH
# try IP USER PASSWORD: prints the exit status
try() { printf '%s\000%s\000' "$2" "$3" > in.$$; TCPREMOTEIP=$1 smtp-auth-checkpassword /bin/true 3<in.$$ </dev/null >/dev/null 2>>log; echo $?; }

same "first wrong password" "$(try 192.0.2.7 alice wrong1)" 1
same "second wrong password" "$(try 192.0.2.7 alice wrong2)" 1
same "then even the right password is refused" "$(try 192.0.2.7 alice secret)" 1
contains "as locked out" log 'fail user=alice ip=192\.0\.2\.7 mech=password reason=locked_out$'
same "alice from another address is not locked" "$(try 198.51.100.1 alice secret)" 0
same "bob from the guessing address is not locked by alice's pair" "$(try 192.0.2.7 bob secret)" 0
smtp-auth-throttle > list.txt
contains "smtp-auth-throttle lists the locked pair" list.txt '^192\.0\.2\.7 alice failures=0 locked=(59|60)$'
status "smtp-auth-throttle -c ADDRESS/USER clears it" 0 smtp-auth-throttle -c 192.0.2.7/alice
same "after clearing, the right password works" "$(try 192.0.2.7 alice secret)" 0
smtp-auth-throttle > list.txt
lacks "and the pair is no longer listed" list.txt '^192\.0\.2\.7 alice'
contains "the address and user counters stay" list.txt '^- alice failures=2 locked=0$' 

for u in u1 u2 u3 u4 u5 u6 u7 u8; do try 203.0.113.5 $u x >/dev/null; done
same "an address guessing many users is locked at 4 x CHKPW_MAXFAIL" "$(try 203.0.113.5 bob secret)" 1
smtp-auth-throttle > list.txt
contains "listed as an address lock" list.txt '^203\.0\.113\.5 - failures=0 locked=[0-9]+$'
smtp-auth-throttle -c 203.0.113.5
same "-c ADDRESS clears it" "$(try 203.0.113.5 bob secret)" 0

same "a trusted address is never throttled (1)" "$(CHKPW_TRUSTED=10.0.0.0/8 try 10.1.1.1 alice x; CHKPW_TRUSTED=10.0.0.0/8 try 10.1.1.1 alice x)" "1
1"
same "a trusted address is never throttled (2)" "$(CHKPW_TRUSTED=10.0.0.0/8 try 10.1.1.1 alice secret)" 0

# concurrent failures: every one is counted
printf 'bob\000x\000' > in.bob
i=0; while [ $i -lt 30 ]; do
  CHKPW_MAXFAIL=1000 TCPREMOTEIP=192.0.2.99 smtp-auth-checkpassword /bin/true 3<in.bob </dev/null >/dev/null 2>>log &
  i=$((i + 1))
done
wait
CHKPW_MAXFAIL=1000 smtp-auth-throttle > list.txt
contains "30 concurrent failures are 30 counts" list.txt '^192\.0\.2\.99 bob failures=30 locked=0$'
contains "and 30 for the address" list.txt '^192\.0\.2\.99 - failures=30 locked=0$'
contains "and 30 for the user" list.txt '^- bob failures=30 locked=0$'
status "-c USER clears the user counter" 0 smtp-auth-throttle -c bob
CHKPW_MAXFAIL=1000 smtp-auth-throttle > list.txt
lacks "gone from the list" list.txt '^- bob '

# parallel guesses: each attempt is counted before its password is looked
# at, so with CHKPW_MAXFAIL=1 only one of 40 is verified (a yescrypt user,
# whose verification is slow enough for the attempts to overlap)
printf 'bob:%s\n' "$(echo secret | smtp-auth-passwd)" > par.users
smtp-auth-mkdb par.cdb par.tmp < par.users || not_ok "smtp-auth-mkdb par.cdb"
printf 'bob\000wrong\000' > in.par
i=0; while [ $i -lt 40 ]; do
  CHKPW_USERS=$SCRATCH/par.cdb CHKPW_MAXFAIL=1 TCPREMOTEIP=192.0.2.123 smtp-auth-checkpassword /bin/true 3<in.par </dev/null >/dev/null 2>>par.log &
  i=$((i + 1))
done
wait
verified=$(grep -c 'ip=192\.0\.2\.123 .*reason=bad_password$' par.log)
refused=$(grep -c 'ip=192\.0\.2\.123 .*reason=locked_out$' par.log)
check "40 parallel wrong passwords with CHKPW_MAXFAIL=1: at most 1 verified (got $verified)" test "$verified" -le 1
same "... all 40 answered, the rest as locked_out" "$((verified + refused))" 40
CHKPW_MAXFAIL=1 smtp-auth-throttle > list.txt
contains "... the pair is locked" list.txt '^192\.0\.2\.123 bob failures=0 locked=[0-9]+$'
smtp-auth-throttle -c 192.0.2.123/bob; smtp-auth-throttle -c 192.0.2.123; smtp-auth-throttle -c bob
# a success leaves no failure behind on the address or user counters
same "a success" "$(CHKPW_MAXFAIL=1000 try 192.0.2.124 bob secret)" 0
CHKPW_MAXFAIL=1000 smtp-auth-throttle > list.txt
lacks "... leaves no failure on the address" list.txt '^192\.0\.2\.124 - failures=[1-9]'
lacks "... nor on the user" list.txt '^- bob failures=[1-9]'

# a long user of bytes the store escapes: keyed by its MD5, not a file
# name over 255 bytes (which made every login of that user exit 111)
long=$(printf '%90s' '' | tr ' ' '!')
longmd5=$(printf '%s' "$long" | md5sum | cut -d' ' -f1)
same "a 90-byte user of '!': a wrong password exits 1, not 111" "$(try 192.0.2.130 "$long" wrong)" 1
contains "... logged as unknown_user" log 'ip=192\.0\.2\.130 mech=password reason=unknown_user$'
smtp-auth-throttle > list.txt
contains "... counted on the pair, listed by its MD5" list.txt "^192\.0\.2\.130 #md5:$longmd5 failures=1 locked=0\$"
contains "... and on the user" list.txt "^- #md5:$longmd5 failures=1 locked=0\$"
status "smtp-auth-throttle -c ADDRESS/USER with the user as typed" 0 smtp-auth-throttle -c "192.0.2.130/$long"
status "smtp-auth-throttle -c with the listed #md5: form" 0 smtp-auth-throttle -c "#md5:$longmd5"
smtp-auth-throttle > list.txt
lacks "... both cleared" list.txt "#md5:$longmd5"

before=$(ls state | wc -l)
CHKPW_WINDOW=0 CHKPW_LOCKOUT=0 smtp-auth-throttle -p
status "-p exits 0" 0 true
after=$(ls state | grep -v '^\.lock$' | wc -l)
check "-p prunes counters whose window has passed (but keeps known-good pairs)" test "$after" -lt "$before"
check "known-good pairs survive pruning" sh -c "ls state | grep -q 'pair.*alice'"

# INSTALL's recipe: one store for root (POP) and an unprivileged SMTP user
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
  mkdir -m 2770 shared && touch shared/.lock && chmod 660 shared/.lock && chown -R 65534:65534 shared
  chmod 644 users.cdb
  printf 'alice\000x\000' > in.shared
  as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env CHKPW_STATE=$SCRATCH/shared TCPREMOTEIP=192.0.2.200 \
    smtp-auth-checkpassword /bin/true 3<in.shared </dev/null >/dev/null 2>>log; echo $?; }
  as_root() { CHKPW_STATE=$SCRATCH/shared TCPREMOTEIP=192.0.2.200 smtp-auth-checkpassword /bin/true 3<in.shared </dev/null >/dev/null 2>>log; echo $?; }
  same "shared store: root, then nobody, then root count failures" "$(as_root) $(as_nobody) $(as_root)" "1 1 1"
  same "... and the pair is locked for both" "$(as_nobody)" "1"
  contains "... as locked_out" log 'user=alice ip=192\.0\.2\.200 .*reason=locked_out$'
  # no .lock made at install: root's checker comes first and creates it
  mkdir -m 0770 fresh && chgrp 65534 fresh
  as() { env CHKPW_STATE=$SCRATCH/fresh TCPREMOTEIP=192.0.2.201 "$@" smtp-auth-checkpassword /bin/true 3<in.shared </dev/null >/dev/null 2>>log; echo $?; }
  same "a store without .lock: root first, then nobody, both count (no 111)" \
    "$(as) $(as setpriv --reuid=65534 --regid=65534 --clear-groups)" "1 1"
  same "... root made .lock with the directory's group, group-readable, nothing for others" \
    "$(stat -c '%g %a' fresh/.lock)" "65534 640"
else
  for n in 1 2 3 4 5; do ok "shared store # SKIP needs root"; done
fi
for setting in CHKPW_WINDOW CHKPW_LOCKOUT; do
  same "$setting=0 would turn the throttle off: 111" "$(export $setting=0; try 192.0.2.8 alice secret)" 111
done

status "-c with no store: 111" 111 env CHKPW_STATE=$SCRATCH/none smtp-auth-throttle -c alice
same "CHKPW_STORE_FAULT=tempfail, the store missing: 111, never 0 or 1" "$(CHKPW_STORE_FAULT=tempfail CHKPW_STATE=$SCRATCH/none try 192.0.2.8 alice secret)" 111
# CHKPW_STORE_FAULT=open (the default): the password is checked without
# counting, and one line says the throttle could not count
: > open.log
same "CHKPW_STORE_FAULT=open, the store missing: the right password gets in (0)" "$(CHKPW_STATE=$SCRATCH/none TCPREMOTEIP=192.0.2.8 sh -c 'printf "alice\000secret\000" > in.open; smtp-auth-checkpassword /bin/true 3<in.open </dev/null >/dev/null 2>>open.log; echo $?')" 0
same "... in two lines: the throttle's and the attempt's" "$(wc -l < open.log | tr -d ' ')" 2
contains "... the throttle's line says it could not count" open.log 'could not count, checking without it \(CHKPW_STORE_FAULT=open\)$'
contains "... and the login's line" open.log 'ok user=alice ip=192\.0\.2\.8 mech=password$'
: > open.log
same "CHKPW_STORE_FAULT=open, the store missing: a wrong password is refused (1)" "$(CHKPW_STATE=$SCRATCH/none TCPREMOTEIP=192.0.2.8 sh -c 'printf "alice\000wrong\000" > in.open; smtp-auth-checkpassword /bin/true 3<in.open </dev/null >/dev/null 2>>open.log; echo $?')" 1
same "... in two lines" "$(wc -l < open.log | tr -d ' ')" 2
contains "... the throttle's line" open.log 'could not count'
contains "... and the refusal fail2ban reads" open.log 'fail user=alice ip=192\.0\.2\.8 mech=password reason=bad_password$'
same "a bad CHKPW_STORE_FAULT: 111" "$(CHKPW_STORE_FAULT=maybe try 192.0.2.8 alice secret)" 111
same "a bad CHKPW_USER_BUDGET: 111" "$(CHKPW_USER_BUDGET=lots try 192.0.2.8 alice secret)" 111
same "a bad CHKPW_MAXFAIL: 111" "$(CHKPW_MAXFAIL=lots try 192.0.2.8 alice secret)" 111
same "a bad CHKPW_TRUSTED: 111" "$(CHKPW_TRUSTED=example.com try 192.0.2.8 alice secret)" 111
status "smtp-auth-throttle usage: 100" 100 smtp-auth-throttle -x 2>/dev/null
finish
