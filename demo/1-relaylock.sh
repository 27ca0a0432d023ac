# Part 1: POP before SMTP (FAQ questions 1, 2, 6, 7, 8).
. "$(dirname "$0")/../tests/lib.sh"

echo "Part 1. POP before SMTP: sending is allowed for ten minutes after fetching mail"
echo "==============================================================================="
say "The FAQ promises: after your mail program fetches mail over POP3, you may send through our SMTP server from the same IP address for ten minutes; from any other address, or later, relaying is refused. Here is that promise kept on loopback with the real tcpserver, with two customers' machines at 127.0.0.2 and 127.0.0.3."

STORE=$SCRATCH/relaylock
mkdir -m 755 $STORE
export RELAYLOCK_DIR=$STORE RELAYLOCK_NEVER=""   # loopback is normally never locked
SMTPD=$STANDINS/qmail-smtpd
[ -x /var/qmail/bin/qmail-smtpd ] && SMTPD=/var/qmail/bin/qmail-smtpd
POPUP="$STANDINS/qmail-popup"
[ -x /var/qmail/bin/qmail-popup ] && POPUP="/var/qmail/bin/qmail-popup pop.test"

POP=$(free_port) SMTP=$(free_port)
if [ "$(id -u)" -eq 0 ]; then
  serve $POP $SCRATCH/pop.log relaylock-guard $POPUP $STANDINS/checkpassword relaylock $STANDINS/qmail-pop3d
  pop_chain="relaylock-guard qmail-popup checkpassword relaylock qmail-pop3d"
else
  serve $POP $SCRATCH/pop.log $POPUP $STANDINS/checkpassword relaylock $STANDINS/qmail-pop3d
  pop_chain="qmail-popup checkpassword relaylock qmail-pop3d (not root: no guard)"
fi
serve $SMTP $SCRATCH/smtp.log relaylock-check $SMTPD

step "The services"
say "POP3 on 127.0.0.1:$POP runs:  tcpserver ... $pop_chain"
say "SMTP on 127.0.0.1:$SMTP runs: tcpserver ... relaylock-check $(basename $SMTPD)"
[ "$SMTPD" = "$STANDINS/qmail-smtpd" ] && say "(qmail is not installed here: the SMTP end is a stand-in that makes qmail-smtpd's relay decision and answers with its words. Likewise qmail-popup and checkpassword; user alice, password secret.)"

send() {  # FROM: try to relay a message to a foreign domain
  tcpclient -R -H -i $1 127.0.0.1 $SMTP sh -c '
    printf "HELO pc\r\nMAIL FROM:<alice@example.test>\r\nRCPT TO:<friend@elsewhere.example>\r\nQUIT\r\n" >&7
    cat <&6' 2>/dev/null | grep -E '^(250 ok|553)' | tail -n 1
}
fetch() {  # FROM PASSWORD
  tcpclient -R -H -i $1 127.0.0.1 $POP sh -c "printf 'USER alice\r\nPASS $2\r\nQUIT\r\n' >&7; cat <&6" 2>/dev/null | sed 1d
}

step "1. Alice at 127.0.0.2 sends before fetching her mail"
send 127.0.0.2 | show
say "Refused: she has not logged in over POP3 yet. Her mail program shows this as the FAQ's \"one of the recipients was rejected by the server\"."

step "2. Alice fetches her mail over POP3 from 127.0.0.2"
fetch 127.0.0.2 secret | show
say "relaylock-guard recorded the lock (its log line):"
grep 'lock ip=' $SCRATCH/pop.log | show
relaylock-list | show

step "3. Alice sends again from 127.0.0.2"
send 127.0.0.2 | show
say "Accepted: relaylock-check found her lock and set RELAYCLIENT for qmail-smtpd:"
grep 'relay ip=' $SCRATCH/smtp.log | show
say "The environment qmail-smtpd received, before and after her POP login:"
grep '^qmail-smtpd: from 127.0.0.2 ' $SCRATCH/smtp.log | show

step "4. Someone else at 127.0.0.3 tries to relay, and guesses a password"
send 127.0.0.3 | show
fetch 127.0.0.3 guess | show
send 127.0.0.3 | show
say "Still refused: a lock belongs to one address, and only a good login makes one."

step "5. Ten minutes pass"
say "(To keep the demonstration short the SMTP side is restarted with RELAYLOCK_EXPIRY=3 instead of the default 600, and we wait 4 seconds.)"
kill $(echo $CLEANUP_PIDS | awk '{print $NF}') 2>/dev/null
SMTP=$(free_port)
RELAYLOCK_EXPIRY=3 serve $SMTP $SCRATCH/smtp.log relaylock-check $SMTPD
sleep 4
send 127.0.0.2 | show
say "Refused again: the lock expired. Expiry is checked at every connection; relaylock-expire (run from cron) only tidies the store:"
RELAYLOCK_EXPIRY=3 relaylock-expire && relaylock-list | wc -l | sed 's/^/active locks now: /' | show

step "6. The postmaster revokes a lock at once"
fetch 127.0.0.2 secret > /dev/null
send 127.0.0.2 | show
relaylock-revoke 127.0.0.2 2>$SCRATCH/revoke.log; show < $SCRATCH/revoke.log
send 127.0.0.2 | show
say "Revoked: relaying from 127.0.0.2 ends now, not in ten minutes."

if [ -x relaylock/relaylock-rules ] && relaylock-rules 2>/dev/null; [ $? -ne 111 ]; then
  step "7. The same with a tcprules cdb only (relaylock-rules)"
  say "Sites whose qmail-smtpd gets RELAYCLIENT from 'tcpserver -x tcp.smtp.cdb' alone keep their own rules file; relaylock-rules compiles it together with the active locks, and every new lock rebuilds the cdb."
  printf '127.0.0.9:deny\n127.0.0.1:allow,RELAYCLIENT=""\n:allow\n' > $SCRATCH/tcp.smtp
  export RELAYLOCK_RULES=$SCRATCH/tcp.smtp RELAYLOCK_CDB=$SCRATCH/tcp.smtp.cdb
  relaylock-rules $SCRATCH/tcp.smtp.cdb $SCRATCH/tcp.smtp.tmp < $SCRATCH/tcp.smtp
  say "The admin's rules:"; show < $SCRATCH/tcp.smtp
  SMTP=$(free_port)
  tcpserver -R -H -l demo.test -x $SCRATCH/tcp.smtp.cdb 127.0.0.1 $SMTP $SMTPD 2>>$SCRATCH/smtp.log &
  CLEANUP_PIDS="$CLEANUP_PIDS $!"; wait_port $SMTP
  POP=$(free_port)  # the POP service now with RELAYLOCK_RULES and RELAYLOCK_CDB
  if [ "$(id -u)" -eq 0 ]; then
    serve $POP $SCRATCH/pop.log relaylock-guard $POPUP $STANDINS/checkpassword relaylock $STANDINS/qmail-pop3d
  else
    serve $POP $SCRATCH/pop.log $POPUP $STANDINS/checkpassword relaylock $STANDINS/qmail-pop3d
  fi
  say "Alice sends before her POP login:"; send 127.0.0.2 | show
  fetch 127.0.0.2 secret > /dev/null
  # The rebuild runs beside the login, a moment later.
  i=0; until cdbget 127.0.0.2 < $SCRATCH/tcp.smtp.cdb >/dev/null 2>&1 || [ $i -gt 50 ]; do sleep 0.1; i=$((i+1)); done
  say "After Alice's POP login the cdb holds her lock (cdbdump):"
  cdbdump < $SCRATCH/tcp.smtp.cdb | tr '\0' '|' | grep . | show
  say "Alice sends after it:"; send 127.0.0.2 | show
  relaylock-revoke 127.0.0.2 2>/dev/null
  i=0; while cdbget 127.0.0.2 < $SCRATCH/tcp.smtp.cdb >/dev/null 2>&1 && [ $i -le 50 ]; do sleep 0.1; i=$((i+1)); done
  say "Alice sends after relaylock-revoke 127.0.0.2:"; send 127.0.0.2 | show
  say "Revoked, and the cdb rebuilt: relaying from 127.0.0.2 ends."
fi
echo
say "Part 1 done: relaying follows the POP login, per address, for the configured window, and no further."
