#!/bin/sh
# The per-connection programs under valgrind's memcheck, each once through
# its real interface (descriptor 3, a PROXY header, qmail-queue's two
# pipes, a message and operands, TCPREMOTEIP and PROG): no invalid read or
# write, no use of an uninitialised value, no bad free. Leaks are not
# looked at (--leak-check=no): each program ends by exec or exit. What a
# program execs runs natively (valgrind follows no child), so a log file,
# not only the exit status, tells of errors. The programs are tests/valgrind/*,
# the same objects linked dynamically and unstripped (tests/build.mk). valgrind is
# required (tests/setup installs it); a sanitizer build (make check-asan)
# cannot run under valgrind, so there each check is a counted skip.
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH" || exit 111
if ! command -v valgrind > /dev/null; then
  not_ok "valgrind is installed (tests/setup installs it)"
  finish
fi
if [ -n "$SANITIZED" ]; then
  for p in relaylock relaylock-check relaylock-guard smtp-auth-checkpassword proxy-remoteip sendlimit bounce-fmt; do
    ok "$p under valgrind # SKIP a sanitizer build cannot run under valgrind"
  done
  finish
fi

V=$SCRATCH/valgrind
mkdir "$V" && cp "$TOP"/tests/valgrind/* "$V/" || exit 111

# vg DESCRIPTION EXPECTED_STATUS PROG ARG...: PROG's exit status is EXPECTED
# and valgrind found nothing (it would exit 99; a program that execs leaves
# only the log); its report is shown if not. Descriptor 1 goes to vg.out.
vg() {
  d=$1; want=$2; shift 2
  valgrind -q --error-exitcode=99 --leak-check=no --log-file="$SCRATCH/vg.log" "$@" > "$SCRATCH/vg.out"
  got=$?
  if [ "$got" -eq "$want" ] && [ ! -s "$SCRATCH/vg.log" ]; then ok "$d"; else
    not_ok "$d (exit $got, want $want)"; sed 's/^/#   /' "$SCRATCH/vg.log" | head -40
  fi
}

# --- relaylock family: a POP login's lock, then the SMTP side's checks
mkdir store
RELAYLOCK_DIR=$SCRATCH/store
export RELAYLOCK_DIR
TCPREMOTEIP=192.0.2.7 USER=alice vg "relaylock writes a lock and runs PROG" 0 "$V/relaylock" true
check "... the lock is there" [ -f store/192.0.2.7 ]
TCPREMOTEIP=192.0.2.7 vg "relaylock-check finds it and runs PROG" 0 \
  "$V/relaylock-check" sh -c 'test "$RELAYCLIENT" = "" && test "${RELAYCLIENT+set}" = set'
TCPREMOTEIP=192.0.2.60 vg "relaylock-guard runs the chain and passes its status on" 3 "$V/relaylock-guard" sh -c 'exit 3'

# --- smtp-auth-checkpassword: a users cdb, qmail-smtpd's descriptor 3
printf 'alice:{PLAIN}secret\n' | smtp-auth-mkdb users.cdb users.tmp
printf 'alice\000secret\000\000' > login
CHKPW_USERS=$SCRATCH/users.cdb TCPREMOTEIP=192.0.2.7 SMTPAUTH=+cram vg "smtp-auth-checkpassword: a good login runs PROG" 0 \
  "$V/smtp-auth-checkpassword" true 3< login < /dev/null 2> /dev/null
printf 'alice\000wrong\000\000' > login
CHKPW_USERS=$SCRATCH/users.cdb TCPREMOTEIP=192.0.2.7 SMTPAUTH=+cram vg "smtp-auth-checkpassword: a bad password exits 1" 1 \
  "$V/smtp-auth-checkpassword" true 3< login < /dev/null 2> /dev/null

# --- proxy-remoteip: a PROXY v1 header from a trusted front end
printf 'PROXY TCP4 198.51.100.9 192.0.2.1 40000 25\r\n' > header
PROXY_TRUSTED=127.0.0.1 TCPREMOTEIP=127.0.0.1 vg "proxy-remoteip takes the client from the header" 0 \
  "$V/proxy-remoteip" sh -c 'test "$TCPREMOTEIP" = 198.51.100.9' < header 2> /dev/null
printf '198.51.100.:allow,RELAYCLIENT=""\n:deny\n' | tcprules proxy.cdb proxy.tmp
PROXY_TRUSTED=127.0.0.1 TCPREMOTEIP=127.0.0.1 PROXY_RULES=$SCRATCH/proxy.cdb vg "proxy-remoteip applies PROXY_RULES to it" 0 \
  "$V/proxy-remoteip" sh -c 'test "${RELAYCLIENT+set}" = set' < header 2> /dev/null

# --- sendlimit: in front of the qmail-queue stand-in, message then envelope
mkdir sl-store control
echo mail.test > control/me
printf 'Subject: hi\n\nbody\n' > msg
printf 'Fsender@example.org\000Tuser@example.net\000\000' > envelope
mkdir queue
SENDLIMIT_STORE=dir:$SCRATCH/sl-store SENDLIMIT_QUEUE=$STANDINS/qmail-queue QUEUE_DIR=$SCRATCH/queue \
  CONTROLDIR=$SCRATCH/control SMTPAUTHUSER=alice TCPREMOTEIP=192.0.2.7 python3 - "$V/sendlimit" <<'PY' > /dev/null 2>&1
# qmail-smtpd's side of qmail-queue: message on descriptor 0, envelope on 1.
import os, subprocess, sys
msg_r, msg_w = os.pipe(); env_r, env_w = os.pipe()
p = subprocess.Popen(["valgrind", "-q", "--error-exitcode=99", "--leak-check=no", "--log-file=vg.log", sys.argv[1]],
                     stdin=msg_r, stdout=env_r)
os.close(msg_r); os.close(env_r)
os.write(msg_w, open("msg", "rb").read()); os.close(msg_w)
os.write(env_w, open("envelope", "rb").read()); os.close(env_w)
open("sendlimit.status", "w").write(str(p.wait()))
PY
st=$(cat sendlimit.status 2> /dev/null)
if [ "$st" = 0 ] && [ ! -s vg.log ]; then ok "sendlimit counts and hands the message to qmail-queue"; else
  not_ok "sendlimit counts and hands the message to qmail-queue (exit $st)"; sed 's/^/#   /' vg.log | head -40
fi
check "... the queue got it" [ "$(ls queue | grep -c '\.env$')" = 1 ]
check "... and the account's record was written" [ -n "$(ls sl-store)" ]

# --- bounce-fmt: qmail-send's notice, and the RFC 3464 one
CONTROLDIR=$SCRATCH/control vg "bounce-fmt writes qmail-send's notice" 0 \
  "$V/bounce-fmt" sender@example.org user@example.net 'Sorry, no mailbox here by that name. (#5.1.1)' < msg
contains "... which names the recipient" vg.out '^<user@example\.net>:$'
CONTROLDIR=$SCRATCH/control vg "bounce-fmt -d writes a DSN" 0 \
  "$V/bounce-fmt" -d sender@example.org user@example.net 'Remote host said: 550 5.1.1 no such user' < msg
contains "... with its delivery-status part" vg.out '^Status: 5\.1\.1$'
finish
