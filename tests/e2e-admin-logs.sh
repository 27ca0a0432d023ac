#!/bin/sh
# An administrator's tools log to descriptor 2 always: under a run
# script's "exec 2>&1", "cmd > log 2>&1" or cron, descriptors 1 and 2 are
# the same file, and a line sent to syslog instead (Debian 12 runs none)
# would be lost. Each error below must be in the file.
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH" || exit 111
export RELAYLOCK_DIR=$SCRATCH/missing CHKPW_STATE=$SCRATCH/missing
unset RELAYLOCK_RULES RELAYLOCK_CDB

# logged NAME PATTERN COMMAND...: runs COMMAND > log 2>&1 (stdin from the
# file "input") and expects PATTERN in log.
logged() {
  d=$1; pattern=$2; shift 2
  "$@" < input > log 2>&1
  contains "$d" log "$pattern"
}
: > input
logged "relaylock-expire: a store fault" '^relaylock-expire: fatal: unable to open store .*missing' relaylock-expire
logged "relaylock-list: a store fault" '^relaylock-list: fatal: unable to open store' relaylock-list
logged "relaylock-revoke: not an address" '^relaylock-revoke: fatal: not an address: nowhere' relaylock-revoke nowhere
logged "relaylock-revoke: usage" '^relaylock-revoke: usage: ' relaylock-revoke
printf '1.2.3.4:allow\n1.2.3.4:nope\n' > input
logged "relaylock-rules: a bad rule, by its line" '^relaylock-rules: fatal: .*line 2' relaylock-rules rules.cdb rules.tmp
printf 'alice:{PLAIN}x\nbob\n' > input
logged "smtp-auth-mkdb: a bad users line, by its line" '^smtp-auth-mkdb: fatal: line 2: ' smtp-auth-mkdb users.cdb users.tmp
: > input
logged "smtp-auth-passwd: no password on input" '^smtp-auth-passwd: fatal: ' smtp-auth-passwd
logged "smtp-auth-throttle: a store fault" '^smtp-auth-throttle: fatal: ' smtp-auth-throttle
logged "bounce-fmt: usage" '^bounce-fmt: fatal: too few arguments' bounce-fmt

# The chain programs keep the client safe: descriptor 2 on the same
# socket-like file as 1 and 0 gets nothing (they use syslog there).
printf 'alice\0x\0\0' > fd3
CHKPW_USERS=$SCRATCH/none.cdb smtp-auth-checkpassword true 3<fd3 <> client >&0 2>&0
lacks "smtp-auth-checkpassword writes nothing to a descriptor 2 that is also 0 and 1" client .
TCPREMOTEIP=192.0.2.1 relaylock-check true <> client2 >&0 2>&0
lacks "relaylock-check writes nothing to a descriptor 2 that is also 0 and 1" client2 .
finish
