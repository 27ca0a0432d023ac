# relaylock family end to end: the programs run through their real
# interfaces (argv, environment, exit status, descriptor 2) and through the
# real tcpserver/tcpclient from ucspi-tcp-ipv6 on 127.0.0.1.
. "$(dirname "$0")/lib.sh"

STORE=$SCRATCH/store
mkdir "$STORE"
export RELAYLOCK_DIR="$STORE"
unset RELAYLOCK_NEVER RELAYLOCK_RULES RELAYLOCK_CDB RELAYLOCK_EXPIRY RELAYLOCK_V6PREFIX RELAYCLIENT RBLSMTPD IP

count_locks() { ls "$STORE" | wc -l | tr -d ' '; }
now() { date +%s; }

# --- the writer: a good login --------------------------------------------
out=$(TCPREMOTEIP=192.0.2.7 USER=alice relaylock sh -c 'echo ran "$@"' x a b 2>$SCRATCH/err)
same "relaylock execs PROG with its arguments" "$out" "ran a b"
same "relaylock records the canonical address" "$(cat "$STORE/192.0.2.7" | cut -d' ' -f2)" "alice"
contains "relaylock logs the lock" $SCRATCH/err '^relaylock: lock ip=192\.0\.2\.7 user=alice$'
out=$(TCPREMOTEIP=::ffff:192.0.2.8 relaylock true 2>/dev/null; relaylock-list | grep '^192\.0\.2\.8 ')
check "an IPv4-mapped client is locked as IPv4" [ -n "$out" ]
same "no USER is listed as -" "$(echo "$out" | cut -d' ' -f3)" "-"
status "relaylock passes PROG's exit status on" 7 env TCPREMOTEIP=192.0.2.6 relaylock sh -c 'exit 7' 2>/dev/null
IP=192.0.2.9 relaylock true 2>/dev/null
check "Dovecot's IP variable is used without TCPREMOTEIP" [ -f "$STORE/192.0.2.9" ]
out=$(TCPREMOTEIP=192.0.2.10 USER='a b"c\d' relaylock true 2>&1 >/dev/null)
same "a hostile USER is sanitised in the lock" "$(cut -d' ' -f2 "$STORE/192.0.2.10")" 'a_b_c_d'

# --- the writer: every kind of bad address --------------------------------
before=$(count_locks)
n=0
for bad in "" "1.2.3" "1.2.3.4x" "999.1.1.1" "../../etc/passwd" "1.2.3.4/32" "1.2.3.4/../../x" ".." \
           "fe80::1%eth0" "[::1]" "[192.0.2.1]" "192.0.2.1 " " 192.0.2.1" "192.0.2.1 192.0.2.2" \
           "$(printf '1%.0s' $(seq 1 300))" "localhost" "::ffff:1.2.3.4%lo" "1.2.3.4:110" "*" "0x7f.1.1.1"; do
  n=$((n + 1))
  out=$(TCPREMOTEIP="$bad" relaylock echo proceeds 2>$SCRATCH/err)
  rc=$?
  if [ "$out" = proceeds ] && [ $rc -eq 0 ] && [ "$(wc -l < $SCRATCH/err)" -eq 1 ] &&
     grep -q '^relaylock: warning: malformed client address TCPREMOTEIP=' $SCRATCH/err; then
    ok "bad TCPREMOTEIP #$n: login proceeds, one warning"
  else
    not_ok "bad TCPREMOTEIP #$n ($bad): out=$out rc=$rc"; sed 's/^/#   /' $SCRATCH/err
  fi
done
same "no bad address made a lock" "$(count_locks)" "$before"
check "nothing escaped the store" [ ! -e "$SCRATCH/etc" ] && [ ! -e /etc/passwd.tmp ]
out=$(env -u TCPREMOTEIP -u IP relaylock echo proceeds 2>$SCRATCH/err)
same "missing address: login proceeds" "$out" "proceeds"
contains "missing address: one warning" $SCRATCH/err '^relaylock: warning: no client address'

# --- loopback and RELAYLOCK_NEVER ------------------------------------------
TCPREMOTEIP=127.0.0.2 relaylock true 2>$SCRATCH/err
check "loopback is never locked by default" [ ! -e "$STORE/127.0.0.2" ]
contains "refusal to lock loopback is logged" $SCRATCH/err 'not locking ip=127\.0\.0\.2'
TCPREMOTEIP=::1 relaylock true 2>/dev/null
check "::1 is never locked by default" [ "$(ls "$STORE" | grep -c '^::1')" -eq 0 ]
RELAYLOCK_NEVER="198.51.100.0/24" TCPREMOTEIP=198.51.100.99 relaylock true 2>/dev/null
check "an address in RELAYLOCK_NEVER is not locked" [ ! -e "$STORE/198.51.100.99" ]
RELAYLOCK_NEVER="198.51.100.0/24 junk" TCPREMOTEIP=203.0.113.5 relaylock true 2>$SCRATCH/err
check "an unparsable RELAYLOCK_NEVER locks nothing" [ ! -e "$STORE/203.0.113.5" ]
contains "an unparsable RELAYLOCK_NEVER is logged" $SCRATCH/err 'RELAYLOCK_NEVER has a bad item junk'

# --- PROG faults ------------------------------------------------------------
status "relaylock: a PROG that does not exist exits 111" 111 env TCPREMOTEIP=192.0.2.7 relaylock /nonexistent/prog 2>$SCRATCH/err
contains "relaylock: one line names the missing PROG" $SCRATCH/err '^relaylock: fatal: unable to run /nonexistent/prog: No such file'
status "relaylock-check: a missing PROG exits 111" 111 env TCPREMOTEIP=192.0.2.7 relaylock-check /nonexistent/prog 2>/dev/null
status "relaylock without PROG is a usage error (100)" 100 relaylock 2>/dev/null
status "relaylock-check without PROG is a usage error (100)" 100 relaylock-check 2>/dev/null
status "relaylock-guard without PROG is a usage error (100)" 100 relaylock-guard 2>/dev/null
status "relaylock-guard passes the chain's exit status on" 3 env TCPREMOTEIP=192.0.2.60 relaylock-guard sh -c 'exit 3'
status "... also when SIGCHLD was ignored by its parent" 4 sh -c "trap '' CHLD; TCPREMOTEIP=192.0.2.60 exec relaylock-guard sh -c 'exit 4'"
status "relaylock-guard: a missing PROG exits 111" 111 env TCPREMOTEIP=192.0.2.60 relaylock-guard /nonexistent/prog 2>/dev/null
# The guard hands its log down (QSEND_LOGFD) to the checker and relaylock;
# the mailbox program after relaylock must get neither the variable nor the
# descriptor: it could write lines a fail2ban filter bans addresses on.
TCPREMOTEIP=192.0.2.61 USER=joe relaylock-guard sh -c \
  'echo "guard=${QSEND_LOGFD:-unset}"; exec relaylock sh -c "echo mailbox=\${QSEND_LOGFD:-unset}; ls /proc/self/fd"' \
  > "$SCRATCH/handdown" 2> "$SCRATCH/handdown.err"
contains "relaylock-guard hands its log down" "$SCRATCH/handdown" '^guard=[0-9]+$'
contains "the program after relaylock has no QSEND_LOGFD" "$SCRATCH/handdown" '^mailbox=unset$'
fd=$(sed -n 's/^guard=//p' "$SCRATCH/handdown")
lacks "... nor the log descriptor ($fd)" "$SCRATCH/handdown" "^${fd:-none}\$"
contains "the login's lock line still reached the log" "$SCRATCH/handdown.err" '^relaylock-guard: lock ip=192\.0\.2\.61 user=joe$'
status "relaylock-revoke without ADDRESS is a usage error (100)" 100 relaylock-revoke 2>/dev/null
status "relaylock-revoke of a non-address exits 100" 100 relaylock-revoke 192.0.2.7 ../x 2>/dev/null
check "a refused revoke removed nothing" [ -f "$STORE/192.0.2.7" ]
same "an administrator at a terminal gets the message" \
  "$(script -qc 'relaylock-revoke ../x' /dev/null | tr -d '\r')" "relaylock-revoke: fatal: not an address: ../x"
same "a pipe that is also descriptor 1 (a client behind a TLS wrapper) gets nothing" \
  "$(TCPREMOTEIP=../x relaylock echo proceeds 2>&1 | cat)" "proceeds"
status "relaylock-list takes no arguments (100)" 100 relaylock-list x 2>/dev/null

# --- the checker ------------------------------------------------------------
TCPREMOTEIP=192.0.2.7 USER=alice relaylock true 2>/dev/null
show_env='echo "RELAYCLIENT=${RELAYCLIENT-unset} RBLSMTPD=${RBLSMTPD-unset} USER=${RELAYLOCK_USER-unset}"'
same "a locked client gets RELAYCLIENT, RBLSMTPD and its user" \
  "$(TCPREMOTEIP=192.0.2.7 relaylock-check sh -c "$show_env" 2>/dev/null)" "RELAYCLIENT= RBLSMTPD= USER=alice"
same "RELAYLOCK_RELAYCLIENT is the value given" \
  "$(RELAYLOCK_RELAYCLIENT=@relay TCPREMOTEIP=192.0.2.7 relaylock-check sh -c "$show_env" 2>/dev/null)" "RELAYCLIENT=@relay RBLSMTPD= USER=alice"
same "an unlocked client gets nothing" \
  "$(TCPREMOTEIP=192.0.2.99 relaylock-check sh -c "$show_env" 2>/dev/null)" "RELAYCLIENT=unset RBLSMTPD=unset USER=unset"
same "an existing RELAYCLIENT is left untouched" \
  "$(RELAYCLIENT=@static TCPREMOTEIP=192.0.2.7 relaylock-check sh -c "$show_env" 2>/dev/null)" "RELAYCLIENT=@static RBLSMTPD=unset USER=unset"
same "an existing RBLSMTPD is kept" \
  "$(RBLSMTPD=-blocked TCPREMOTEIP=192.0.2.7 relaylock-check sh -c "$show_env" 2>/dev/null)" "RELAYCLIENT= RBLSMTPD=-blocked USER=alice"
same "a mapped address finds the IPv4 lock" \
  "$(TCPREMOTEIP=::ffff:192.0.2.7 relaylock-check sh -c "$show_env" 2>/dev/null)" "RELAYCLIENT= RBLSMTPD= USER=alice"
same "a malformed address gets nothing" \
  "$(TCPREMOTEIP=../192.0.2.7 relaylock-check sh -c "$show_env" 2>/dev/null)" "RELAYCLIENT=unset RBLSMTPD=unset USER=unset"
same "readers apply their own expiry" \
  "$(RELAYLOCK_EXPIRY=0 TCPREMOTEIP=192.0.2.7 relaylock-check sh -c "$show_env" 2>/dev/null)" "RELAYCLIENT=unset RBLSMTPD=unset USER=unset"
printf '%s old\n' $(( $(now) - 601 )) > "$STORE/192.0.2.20"
same "a lock older than 600 s grants nothing" \
  "$(TCPREMOTEIP=192.0.2.20 relaylock-check sh -c "$show_env" 2>/dev/null)" "RELAYCLIENT=unset RBLSMTPD=unset USER=unset"
printf '%s fresh\n' $(( $(now) - 590 )) > "$STORE/192.0.2.21"
same "a lock younger than 600 s grants relay" \
  "$(TCPREMOTEIP=192.0.2.21 relaylock-check sh -c "$show_env" 2>/dev/null)" "RELAYCLIENT= RBLSMTPD= USER=fresh"
printf '%s future\n' $(( $(now) + 86400 )) > "$STORE/192.0.2.22"
same "a lock from the future grants nothing" \
  "$(TCPREMOTEIP=192.0.2.22 relaylock-check sh -c "$show_env" 2>/dev/null)" "RELAYCLIENT=unset RBLSMTPD=unset USER=unset"

# junk in lock files
n=0
for junk in "" "garbage" "$(now)" "$(now) " "$(now) alice" "$(now) al ice
" "-5 alice
" "$(now)x alice
" "$(now) alice
LD_PRELOAD=/tmp/x.so
"; do
  n=$((n + 1))
  printf '%s' "$junk" > "$STORE/192.0.2.30"
  out=$(TCPREMOTEIP=192.0.2.30 relaylock-check sh -c "$show_env" 2>$SCRATCH/err)
  if [ "$out" = "RELAYCLIENT=unset RBLSMTPD=unset USER=unset" ] && grep -q 'warning: malformed lock' $SCRATCH/err; then
    ok "junk lock file #$n grants nothing and is logged"
  else
    not_ok "junk lock file #$n: $out"; sed 's/^/#   /' $SCRATCH/err
  fi
done
mkdir "$STORE/192.0.2.31"
same "a directory where a lock should be grants nothing" \
  "$(TCPREMOTEIP=192.0.2.31 relaylock-check sh -c "$show_env" 2>/dev/null)" "RELAYCLIENT=unset RBLSMTPD=unset USER=unset"
rmdir "$STORE/192.0.2.31"; rm -f "$STORE/192.0.2.30"
ln -s /etc/passwd "$STORE/192.0.2.32"
same "a symlink in the store is not followed" \
  "$(TCPREMOTEIP=192.0.2.32 relaylock-check sh -c "$show_env" 2>/dev/null)" "RELAYCLIENT=unset RBLSMTPD=unset USER=unset"
rm -f "$STORE/192.0.2.32"

# --- IPv6: locked by /64 unless told otherwise -----------------------------
TCPREMOTEIP=2001:DB8:1:2:aaaa::1 USER=bob relaylock true 2>/dev/null
check "an IPv6 client is locked by its /64" relaylock-list | grep -q '^2001:db8:1:2::/64 [0-9]* bob$'
same "a privacy address in the same /64 relays" \
  "$(TCPREMOTEIP=2001:db8:1:2:bbbb::9 relaylock-check sh -c "$show_env" 2>/dev/null)" "RELAYCLIENT= RBLSMTPD= USER=bob"
same "the next /64 does not" \
  "$(TCPREMOTEIP=2001:db8:1:3::1 relaylock-check sh -c "$show_env" 2>/dev/null)" "RELAYCLIENT=unset RBLSMTPD=unset USER=unset"
RELAYLOCK_V6PREFIX=128 TCPREMOTEIP=2001:db8:9::5 relaylock true 2>/dev/null
same "RELAYLOCK_V6PREFIX=128 locks the exact address" \
  "$(RELAYLOCK_V6PREFIX=128 TCPREMOTEIP=2001:db8:9::6 relaylock-check sh -c "$show_env" 2>/dev/null)" "RELAYCLIENT=unset RBLSMTPD=unset USER=unset"
for bad in 0 47 129 x; do
  RELAYLOCK_V6PREFIX=$bad TCPREMOTEIP=2001:db8:7:7::1 relaylock true 2>$SCRATCH/err
  if relaylock-list | grep -q '^2001:db8:7:7::/64 ' && grep -q 'RELAYLOCK_V6PREFIX is not a prefix length 48-128' $SCRATCH/err; then
    ok "RELAYLOCK_V6PREFIX=$bad is refused with a warning and the /64 is locked"
  else
    not_ok "RELAYLOCK_V6PREFIX=$bad"; relaylock-list | sed 's/^/#   /'
  fi
  relaylock-revoke 2001:db8:7:7::1 2>/dev/null
done
same "with RELAYLOCK_V6PREFIX=0 no other IPv6 client relays" \
  "$(RELAYLOCK_V6PREFIX=0 TCPREMOTEIP=2001:db8:8::1 relaylock-check sh -c "$show_env" 2>/dev/null)" "RELAYCLIENT=unset RBLSMTPD=unset USER=unset"
relaylock-revoke 2001:db8:1:2:cccc::1 2>/dev/null
same "revoking an address inside a locked /64 revokes the /64" \
  "$(TCPREMOTEIP=2001:db8:1:2:bbbb::9 relaylock-check sh -c "$show_env" 2>/dev/null)" "RELAYCLIENT=unset RBLSMTPD=unset USER=unset"
status "revoke is idempotent" 0 relaylock-revoke 2001:db8:1:2:cccc::1 203.0.113.77

# --- list and expire ---------------------------------------------------------
rm -f "$STORE"/*
printf '%s old\n' $(( $(now) - 900 )) > "$STORE/192.0.2.40"
printf '%s second\n' $(( $(now) - 100 )) > "$STORE/192.0.2.41"
printf '%s first\n' $(( $(now) - 200 )) > "$STORE/192.0.2.42"
printf 'junk' > "$STORE/192.0.2.43"
relaylock-list > $SCRATCH/list 2>$SCRATCH/err
same "relaylock-list: active locks, oldest first, ADDRESS AGE USER" \
  "$(sed 's/ [0-9]* / N /' $SCRATCH/list | tr '\n' ';')" "192.0.2.42 N first;192.0.2.41 N second;"
age=$(head -n 1 $SCRATCH/list | cut -d' ' -f2)
check "relaylock-list: AGE is whole seconds since the login" [ "$age" -ge 200 ] && [ "$age" -le 202 ]
contains "relaylock-list warns about junk" $SCRATCH/err 'malformed lock'
touch -d '2 hours ago' "$STORE/.tmp.1.2.3.4"
touch "$STORE/.tmp.5.6.7.8"
relaylock-expire > $SCRATCH/out 2>&1
status "relaylock-expire exits 0" 0 relaylock-expire
check "relaylock-expire prints nothing" [ ! -s $SCRATCH/out ]
same "relaylock-expire removed the expired lock and the junk, kept the rest" "$(ls "$STORE" | tr '\n' ' ')" "192.0.2.41 192.0.2.42 "
same "relaylock-expire removed a writer's leftover older than an hour, not a fresh one" "$(ls -A "$STORE" | grep '^\.tmp' | tr '\n' ' ')" ".tmp.5.6.7.8 "
rm -f "$STORE"/* "$STORE"/.tmp.*
status "relaylock-list on an empty store exits 0" 0 relaylock-list
check "relaylock-list on an empty store prints nothing" [ -z "$(relaylock-list)" ]

# --- store faults ------------------------------------------------------------
out=$(RELAYLOCK_DIR=$SCRATCH/missing TCPREMOTEIP=192.0.2.7 relaylock echo proceeds 2>$SCRATCH/err)
same "missing store: the login still proceeds" "$out" "proceeds"
contains "missing store: one warning" $SCRATCH/err '^relaylock: warning: unable to record lock ip=192\.0\.2\.7: unable to open store'
check "missing store: it is not created" [ ! -e $SCRATCH/missing ]
status "relaylock-list: missing store exits 111" 111 env RELAYLOCK_DIR=$SCRATCH/missing relaylock-list 2>/dev/null
status "relaylock-expire: missing store exits 111" 111 env RELAYLOCK_DIR=$SCRATCH/missing relaylock-expire 2>/dev/null
status "relaylock-revoke: missing store exits 111" 111 env RELAYLOCK_DIR=$SCRATCH/missing relaylock-revoke 192.0.2.7 2>/dev/null
same "relaylock-check: missing store runs PROG without relay" \
  "$(RELAYLOCK_DIR=$SCRATCH/missing TCPREMOTEIP=192.0.2.7 relaylock-check sh -c "$show_env" 2>/dev/null)" "RELAYCLIENT=unset RBLSMTPD=unset USER=unset"
RELAYLOCK_DIR=$SCRATCH/missing TCPREMOTEIP=192.0.2.7 relaylock-check true 2>$SCRATCH/err
contains "relaylock-check: missing store is one warning" $SCRATCH/err '^relaylock-check: warning: no relay for ip=192\.0\.2\.7'

if [ "$(id -u)" -eq 0 ]; then
  # The store belongs to root; the mailbox user cannot write it.
  chmod 755 "$STORE"
  out=$(setpriv --reuid=65534 --regid=65534 --clear-groups env TCPREMOTEIP=192.0.2.50 relaylock echo proceeds 2>$SCRATCH/err)
  same "unwritable store: the login still proceeds" "$out" "proceeds"
  contains "unwritable store: one warning" $SCRATCH/err 'unable to record lock ip=192\.0\.2\.50: unable to open store lock .*/store/\.lock: Permission denied'
  check "unwritable store: no lock" [ ! -e "$STORE/192.0.2.50" ]
  # Read-only and full file systems, where this machine lets us mount.
  mkdir $SCRATCH/ro $SCRATCH/full
  if mount -t tmpfs -o ro,size=64k tmpfs $SCRATCH/ro 2>/dev/null; then
    out=$(RELAYLOCK_DIR=$SCRATCH/ro TCPREMOTEIP=192.0.2.51 relaylock echo proceeds 2>$SCRATCH/err)
    same "read-only store: the login still proceeds" "$out" "proceeds"
    contains "read-only store: one warning" $SCRATCH/err 'Read-only file system'
    umount $SCRATCH/ro
  else
    ok "# SKIP read-only store: cannot mount tmpfs here"; ok "# SKIP"
  fi
  if mount -t tmpfs -o size=4k,nr_inodes=4 tmpfs $SCRATCH/full 2>/dev/null; then
    : > $SCRATCH/full/.lock; : > $SCRATCH/full/a; : > $SCRATCH/full/b
    out=$(RELAYLOCK_DIR=$SCRATCH/full TCPREMOTEIP=192.0.2.52 relaylock echo proceeds 2>$SCRATCH/err)
    same "full store: the login still proceeds" "$out" "proceeds"
    contains "full store: one warning" $SCRATCH/err 'unable to create temporary entry: No space left'
    check "full store: no temporary file is left behind" [ "$(ls -A $SCRATCH/full | wc -l)" -eq 3 ]
    umount $SCRATCH/full
  else
    ok "# SKIP full store: cannot mount tmpfs here"; ok "# SKIP"; ok "# SKIP"
  fi
else
  ok "# SKIP unwritable store needs root to switch users"; ok "# SKIP"; ok "# SKIP"
fi

finish
