# POP-before-SMTP through the real tcpserver and tcpclient on loopback.
# The POP side is "relaylock-guard qmail-popup checkpassword relaylock
# qmail-pop3d": qmail is not packaged, so tests/standins/ play qmail-popup
# (it copies the client's socket onto descriptor 2, as qmail-popup does) and
# checkpassword (it drops to uid 65534 before relaylock runs).
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
  ok "# SKIP needs root for the privilege separation tests"; finish
fi

STORE=$SCRATCH/store
mkdir "$STORE" && chmod 755 "$STORE"
export RELAYLOCK_DIR="$STORE" RELAYLOCK_NEVER=""
unset RELAYLOCK_RULES RELAYLOCK_CDB RELAYLOCK_EXPIRY RELAYCLIENT RBLSMTPD

cat > $SCRATCH/attacker <<'ATTACK'
#!/bin/sh
# A mailbox user with a shell, after a good login: tries to lock another
# address every way it can.
TCPREMOTEIP=192.0.2.66 relaylock true
echo "1 mallory" > "$RELAYLOCK_DIR/192.0.2.66" 2>/dev/null
for fd in /proc/$PPID/fd/*; do echo "login mallory" > "$fd"; done 2>/dev/null
TCPREMOTEIP=192.0.2.66 exec relaylock "$@"
ATTACK
chmod 755 $SCRATCH/attacker

POP=$(free_port)
tcpserver -R -H -l pop.test 127.0.0.1 $POP relaylock-guard $STANDINS/qmail-popup $STANDINS/checkpassword relaylock $STANDINS/qmail-pop3d 2>$SCRATCH/pop.log &
CLEANUP_PIDS="$CLEANUP_PIDS $!"
POP_ATTACK=$(free_port)
tcpserver -R -H -l pop.test 127.0.0.1 $POP_ATTACK relaylock-guard $STANDINS/qmail-popup $STANDINS/checkpassword $SCRATCH/attacker $STANDINS/qmail-pop3d 2>$SCRATCH/pop-attack.log &
CLEANUP_PIDS="$CLEANUP_PIDS $!"
POP_DEFAULT=$(free_port)
env -u RELAYLOCK_NEVER tcpserver -R -H -l pop.test 127.0.0.1 $POP_DEFAULT relaylock-guard $STANDINS/qmail-popup $STANDINS/checkpassword relaylock $STANDINS/qmail-pop3d 2>$SCRATCH/pop-default.log &
CLEANUP_PIDS="$CLEANUP_PIDS $!"

printf '127.0.0.5:allow,RELAYCLIENT="@static"\n:allow\n' > $SCRATCH/smtp.rules
tcprules $SCRATCH/smtp.cdb $SCRATCH/smtp.tmp < $SCRATCH/smtp.rules
SMTP=$(free_port)
show_env='echo "RELAYCLIENT=${RELAYCLIENT-unset} RBLSMTPD=${RBLSMTPD-unset} USER=${RELAYLOCK_USER-unset}"'
tcpserver -R -H -l smtp.test -x $SCRATCH/smtp.cdb 127.0.0.1 $SMTP relaylock-check sh -c "$show_env" 2>$SCRATCH/smtp.log &
CLEANUP_PIDS="$CLEANUP_PIDS $!"
SMTP_RBL=$(free_port)
tcpserver -R -H -l smtp.test 127.0.0.1 $SMTP_RBL relaylock-check rblsmtpd -b -r bl.invalid sh -c "$show_env" 2>$SCRATCH/smtp-rbl.log &
CLEANUP_PIDS="$CLEANUP_PIDS $!"

for p in $POP $POP_ATTACK $POP_DEFAULT $SMTP $SMTP_RBL; do wait_port $p || not_ok "server on port $p did not start"; done
# tcpclient gives the program the socket on descriptors 6 (read) and 7 (write).
pop_login() {  # FROM PORT PASSWORD
  tcpclient -R -H -i $1 127.0.0.1 $2 sh -c "printf 'USER alice\r\nPASS $3\r\nQUIT\r\n' >&7; cat <&6" 2>/dev/null | sed 1d
}
smtp_env() { tcpclient -R -H -i $1 127.0.0.1 ${2:-$SMTP} sh -c 'cat <&6' 2>/dev/null; }

same "before POP: 127.0.0.2 may not relay" "$(smtp_env 127.0.0.2)" "RELAYCLIENT=unset RBLSMTPD=unset USER=unset"
out=$(pop_login 127.0.0.2 $POP secret)
same "POP login through guard, popup, checkpassword, relaylock: the client sees only the protocol" \
  "$out" "$(printf '+OK \n+OK maildrop ready (running as uid 65534)\n+OK ')"
same "after POP: 127.0.0.2 relays, with its user" "$(smtp_env 127.0.0.2)" "RELAYCLIENT= RBLSMTPD= USER=alice"
same "after POP: 127.0.0.3 still may not relay" "$(smtp_env 127.0.0.3)" "RELAYCLIENT=unset RBLSMTPD=unset USER=unset"
owner=$(stat -c %u "$STORE/127.0.0.2" 2>/dev/null)
same "the lock was written by the guard (root), not by the mailbox user" "$owner" "0"
contains "the guard logs the lock on tcpserver's log" $SCRATCH/pop.log 'relaylock-guard: lock ip=127\.0\.0\.2 user=alice'

out=$(pop_login 127.0.0.3 $POP wrong)
same "a failed POP login is refused" "$out" "$(printf '+OK \n-ERR authorization failed\n+OK ')"
check "a failed POP login locks nothing" [ ! -e "$STORE/127.0.0.3" ]

same "rblsmtpd lets a locked client through (RBLSMTPD empty)" "$(smtp_env 127.0.0.2 $SMTP_RBL)" "RELAYCLIENT= RBLSMTPD= USER=alice"
same "a RELAYCLIENT from the tcprules cdb is left untouched" "$(smtp_env 127.0.0.5)" "RELAYCLIENT=@static RBLSMTPD=unset USER=unset"

# A user with a shell tries to lock 192.0.2.66 from a login on 127.0.0.4.
out=$(pop_login 127.0.0.4 $POP_ATTACK secret)
same "attacker's login itself proceeds" "$(echo "$out" | grep "^+OK maildrop")" "+OK maildrop ready (running as uid 65534)"
check "the attacker could not lock another address" [ ! -e "$STORE/192.0.2.66" ]
same "the attacker's own connection is what got locked" "$(cut -d' ' -f2 "$STORE/127.0.0.4" 2>/dev/null)" "alice"
lacks "the attacker's store writes all failed" $SCRATCH/pop-attack.log 'lock ip=192\.0\.2\.66'

# Expiry: the same lock, seen by the checker after the window.
printf '%s alice\n' $(( $(date +%s) - 601 )) > "$STORE/127.0.0.2"
same "after ten minutes 127.0.0.2 may not relay any more" "$(smtp_env 127.0.0.2)" "RELAYCLIENT=unset RBLSMTPD=unset USER=unset"
pop_login 127.0.0.2 $POP secret >/dev/null
same "a new POP login opens it again" "$(smtp_env 127.0.0.2)" "RELAYCLIENT= RBLSMTPD= USER=alice"
relaylock-revoke 127.0.0.2 2>/dev/null
same "after relaylock-revoke 127.0.0.2 may not relay" "$(smtp_env 127.0.0.2)" "RELAYCLIENT=unset RBLSMTPD=unset USER=unset"

pop_login 127.0.0.6 $POP_DEFAULT secret >/dev/null
check "with the default RELAYLOCK_NEVER a loopback login is not locked" [ ! -e "$STORE/127.0.0.6" ]
contains "the refusal is logged" $SCRATCH/pop-default.log 'not locking ip=127\.0\.0\.6'

# The single-uid virtual-user layout: no guard, the store belongs to the
# one mailbox uid, and relaylock writes it itself.
VSTORE=$SCRATCH/vstore
mkdir -m 755 "$VSTORE" && chown 65534:65534 "$VSTORE"
VIRTUAL=$(free_port)
RELAYLOCK_DIR=$VSTORE tcpserver -R -H -l pop.test 127.0.0.1 $VIRTUAL $STANDINS/qmail-popup $STANDINS/checkpassword relaylock $STANDINS/qmail-pop3d 2>$SCRATCH/pop-virtual.log &
CLEANUP_PIDS="$CLEANUP_PIDS $!"
wait_port $VIRTUAL
out=$(pop_login 127.0.0.9 $VIRTUAL secret)
same "single-uid layout: the login proceeds" "$(echo "$out" | grep "^+OK maildrop")" "+OK maildrop ready (running as uid 65534)"
same "single-uid layout: relaylock, as the mailbox uid, wrote the lock" "$(stat -c %u "$VSTORE/127.0.0.9" 2>/dev/null)" "65534"
same "single-uid layout: that client relays" \
  "$(RELAYLOCK_DIR=$VSTORE TCPREMOTEIP=127.0.0.9 relaylock-check sh -c "$show_env" 2>/dev/null)" "RELAYCLIENT= RBLSMTPD= USER=alice"

# Descriptor 2 is the client's socket under qmail-popup: relaylock (not
# under a guard) must write nothing there, even when it has a warning.
DIRECT=$(free_port)
RELAYLOCK_DIR=$SCRATCH/missing tcpserver -R -H -l pop.test 127.0.0.1 $DIRECT sh -c "exec 2>&1; relaylock $STANDINS/qmail-pop3d" 2>/dev/null &
CLEANUP_PIDS="$CLEANUP_PIDS $!"
wait_port $DIRECT
same "relaylock with a broken store writes nothing to a socket on descriptor 2" \
  "$(tcpclient -R -H -i 127.0.0.7 127.0.0.1 $DIRECT sh -c "printf 'QUIT\r\n' >&7; cat <&6" 2>/dev/null | head -n 1)" "+OK maildrop ready (running as uid 0)"
BADIP=$(free_port)
tcpserver -R -H -l pop.test 127.0.0.1 $BADIP sh -c "exec 2>&1; TCPREMOTEIP='../x' exec relaylock-guard relaylock $STANDINS/qmail-pop3d" 2>/dev/null &
CLEANUP_PIDS="$CLEANUP_PIDS $!"
wait_port $BADIP
same "guard and relaylock with a malformed address write nothing to a socket on descriptor 2" \
  "$(tcpclient -R -H -i 127.0.0.8 127.0.0.1 $BADIP sh -c "printf 'QUIT\r\n' >&7; cat <&6" 2>/dev/null | head -n 1)" "+OK maildrop ready (running as uid 0)"

# The real checker after qmail-popup: descriptor 2 is the client's socket,
# and its lines (and relaylock's) reach the guard's log, the POP service's.
cat > $SCRATCH/popup3 <<'POPUP'
#!/bin/sh
# qmail-popup's handoff: user\0pass\0timestamp\0 on descriptor 3, the
# client's connection copied onto descriptor 2.
exec 2>&1
echo "+OK <1.2@pop.test>"
read -r user; read -r pass
user=$(printf '%s' "${user#USER }" | tr -d '\r'); pass=$(printf '%s' "${pass#PASS }" | tr -d '\r')
printf '%s\0%s\0<1.2@pop.test>\0' "$user" "$pass" > "$POPUP_FD3.$$"
"$@" 3<"$POPUP_FD3.$$" || echo "-ERR authorization failed"
POPUP
chmod 755 $SCRATCH/popup3
printf 'alice:{PLAIN}secret:65534:65534::/tmp::\n' | smtp-auth-mkdb $SCRATCH/users.cdb $SCRATCH/users.tmp
chmod 644 $SCRATCH/users.cdb
CHECKER=$(free_port)
POPUP_FD3=$SCRATCH/fd3 CHKPW_USERS=$SCRATCH/users.cdb \
  tcpserver -R -H -l pop.test 127.0.0.1 $CHECKER relaylock-guard $SCRATCH/popup3 \
  smtp-auth-checkpassword relaylock $STANDINS/qmail-pop3d 2>$SCRATCH/pop-checker.log &
CLEANUP_PIDS="$CLEANUP_PIDS $!"
wait_port $CHECKER
out=$(pop_login 127.0.0.10 $CHECKER secret)
same "guard, popup, smtp-auth-checkpassword, relaylock: the client sees only the protocol" \
  "$out" "$(printf '+OK maildrop ready (running as uid 65534)\n+OK ')"
contains "the checker's line reaches the POP service's log through the guard" $SCRATCH/pop-checker.log \
  '^smtp-auth-checkpassword: ok user=alice ip=127\.0\.0\.10 mech=pop$'
out=$(pop_login 127.0.0.10 $CHECKER wrong)
same "a refused login: the client sees only the protocol" "$out" "-ERR authorization failed"
contains "... and the refusal is in the POP service's log" $SCRATCH/pop-checker.log \
  '^smtp-auth-checkpassword: fail user=alice ip=127\.0\.0\.10 mech=pop reason=bad_password$'

finish
