# The shell library of the tests (tests/e2e-*.sh), the benches
# (tests/bench-*.sh) and the demonstration (demo/[0-9]*.sh): each sources
# it first. It gives a scratch directory removed on exit, the built
# programs' copies first on PATH, background processes stopped on exit,
# TAP-style results ("ok N - ...", "not ok N - ...") that tests/run counts,
# and the helpers more than one script needs.
#
# The programs are those the build lists in tests/programs.list (written by
# make from each FAMILY/build.mk's PROGRAMS): run make first, then make
# check, or sh tests/e2e-x.sh, or sh demo/run.
TOP=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$TOP/tests/programs.list" ] || { echo "tests/lib.sh: no tests/programs.list: run make first" >&2; exit 111; }
SCRATCH=$(mktemp -d /tmp/qsend-test.XXXXXX) || exit 111
chmod 755 "$SCRATCH"
# The built programs and the stand-ins run from copies in the scratch
# directory: tests switch to uid 65534, which may not be able to reach a
# checkout under a private directory (CI clones where it likes).
BIN=$SCRATCH/bin STANDINS=$SCRATCH/standins
mkdir "$BIN" "$STANDINS" || exit 111
while read -r prog; do
  cp "$TOP/$prog" "$BIN/" || { echo "tests/lib.sh: $prog is not built: run make first" >&2; exit 111; }
done < "$TOP/tests/programs.list"
cp "$TOP"/tests/standins/* "$STANDINS/"
chmod 755 "$BIN" "$STANDINS" "$BIN"/* "$STANDINS"/*
PATH="$BIN:$PATH"
export PATH
# SANITIZED=1 when the programs are a sanitizer build (make check-asan,
# conf-ld-asan): such a program reserves terabytes of address space, so it
# cannot run under a small ulimit -v (nor under valgrind).
SANITIZED=
# A sanitizer's report then exits 86, never a status a test expects (1
# is a refused login). LeakSanitizer stays on: a program that execs is
# never checked, one that exits is.
if ldd "$BIN/bounce-fmt" 2>/dev/null | grep -q libasan; then
  SANITIZED=1
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86
  UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=86:print_stacktrace=1
  export ASAN_OPTIONS UBSAN_OPTIONS
fi
CLEANUP_PIDS=""
cleanup() {
  for pid in $CLEANUP_PIDS; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$SCRATCH"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
test_number=0
test_failures=0

# --- results --------------------------------------------------------------
ok() { test_number=$((test_number + 1)); echo "ok $test_number - $*"; }
not_ok() {
  test_number=$((test_number + 1)); test_failures=$((test_failures + 1))
  echo "not ok $test_number - $*"
}
# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() { d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
# same DESCRIPTION ACTUAL EXPECTED
same() {
  if [ "x$2" = "x$3" ]; then ok "$1"; else
    not_ok "$1"; echo "#   got:      $(printf '%s' "$2" | head -c 400)"; echo "#   expected: $(printf '%s' "$3" | head -c 400)"; fi
}
# status DESCRIPTION EXPECTED_STATUS COMMAND...
status() {
  d=$1; want=$2; shift 2
  "$@"; got=$?
  if [ "$got" -eq "$want" ]; then ok "$d"; else not_ok "$d (exit $got, want $want)"; fi
}
# got STATUS WANT DESCRIPTION: for runs with their own redirections
got() { if [ "$1" -eq "$2" ]; then ok "$3"; else not_ok "$3 (exit $1, want $2)"; fi; }
# contains DESCRIPTION FILE PATTERN (grep -E)
contains() { if grep -Eq -- "$3" "$2"; then ok "$1"; else not_ok "$1"; echo "#   no /$3/ in:"; sed 's/^/#   /' "$2" | head -20; fi; }
lacks() { if grep -Eq -- "$3" "$2"; then not_ok "$1"; echo "#   unexpected /$3/ in:"; sed 's/^/#   /' "$2" | head -20; else ok "$1"; fi; }
finish() { exit $((test_failures > 0)); }

# --- servers on loopback ----------------------------------------------------
# A free TCP port on loopback, never one this script was given before: the
# kernel may hand a just-closed port out twice, and two servers told the
# same port make a test talk to the wrong one. (Remembered in a file, since
# callers run this in a subshell.)
free_port() {
  python3 - "$SCRATCH/.ports" <<'PY' 2>/dev/null
import socket, sys
used = set(open(sys.argv[1]).read().split()) if __import__("os").path.exists(sys.argv[1]) else set()
for _ in range(100):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = str(s.getsockname()[1]); s.close()
    if p not in used: break
open(sys.argv[1], "a").write(p + "\n"); print(p)
PY
}
# wait_port PORT [FROM]: until 127.0.0.1:PORT accepts a connection (from
# the address FROM, when given), at most about 10 s; exit 1 if it never does.
wait_port() {
  i=0
  while ! python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1, (sys.argv[2], 0) if len(sys.argv) > 2 else None).close()' "$@" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 200 ] && return 1; sleep 0.05
  done
}
# serve PORT LOG PROGRAM...: a tcpserver on 127.0.0.1:PORT in the
# background (stopped on exit), its descriptor 2 appended to LOG; returns
# once it accepts.
serve() {
  port=$1 log=$2; shift 2
  tcpserver -R -H -l demo.test 127.0.0.1 $port "$@" 2>>"$log" &
  CLEANUP_PIDS="$CLEANUP_PIDS $!"
  wait_port $port
}
# log_has FILE PATTERN: a bounded wait (about 5 s) for a line matching the
# pattern (grep -E), as for multilog, which writes when it likes.
log_has() {
  i=0; while ! grep -Eq -- "$2" "$1" 2>/dev/null; do i=$((i+1)); [ $i -gt 100 ] && return 1; sleep 0.05; done
}
# stop_services SVSCAN_PID DIR SERVICE...: stops the svscan and the
# supervised DIR/SERVICE and DIR/SERVICE/log (bounded waits), then
# anything a service started that svc -d did not stop (tcpserver's
# children: whatever runs from the scratch directory).
stop_services() {
  kill $1 2>/dev/null
  dir=$2; shift 2
  for s in "$@"; do svc -dx $dir/$s $dir/$s/log 2>/dev/null; done
  for s in "$@"; do
    for i in $(seq 1 100); do svok $dir/$s || svok $dir/$s/log || break; sleep 0.05; done
  done
  for pid in $(ps -eo pid=,args= | grep -F "$SCRATCH/" | grep -v grep | awk '{print $1}'); do kill $pid 2>/dev/null; done
}
# free_id FROM: the first number from FROM up that is neither a uid nor a gid.
free_id() { id=$1; while getent passwd $id >/dev/null || getent group $id >/dev/null; do id=$((id + 1)); done; echo $id; }

# --- a scratch qmail host (tests/e2e-install-daemontools.sh,
# tests/e2e-proxy-deploy.sh): the suite sets R (the scratch root), H, Q and
# E (conf-home, conf-qmail, conf-etc) and runs in a private mount namespace.
# host_accounts: qmaild, group nofiles and the mailbox users alice and bob
# (NOFILES QMAILD ALICE BOB), over copies of /etc/passwd and /etc/group
# bind-mounted for this namespace only.
host_accounts() {
  NOFILES=$(free_id 64000); QMAILD=$(free_id $((NOFILES + 1)))
  ALICE=$(free_id $((QMAILD + 1))); BOB=$(free_id $((ALICE + 1)))
  cp /etc/passwd $SCRATCH/passwd && cp /etc/group $SCRATCH/group || exit 111
  printf 'qmaild:x:%s:%s::%s:/usr/sbin/nologin\nalice:x:%s:%s::%s:/bin/sh\nbob:x:%s:%s::%s:/bin/sh\n' \
    $QMAILD $NOFILES $R$Q $ALICE $ALICE $R/home/alice $BOB $BOB $R/home/bob >> $SCRATCH/passwd
  printf 'nofiles:x:%s:\nalice:x:%s:\nbob:x:%s:\n' $NOFILES $ALICE $BOB >> $SCRATCH/group
  mount --bind $SCRATCH/passwd /etc/passwd && mount --bind $SCRATCH/group /etc/group || exit 111
}
# host_stage NEVER [USERS_LINE...]: qmail's programs (the stand-ins), the
# relaylock store and envdir (RELAYLOCK_NEVER=NEVER), alice's and bob's
# Maildirs, the users cdb (alice, bob, then each USERS_LINE), the throttle
# state and the checker's envdir A, as INSTALL makes them. B is the
# installed programs' directory.
host_stage() {
  mkdir -p $R$Q/bin $R$Q/control && chmod 755 $R$Q $R$Q/bin $R$Q/control
  cp tests/standins/qmail-popup-stock $R$Q/bin/qmail-popup
  cp tests/standins/qmail-pop3d-maildir $R$Q/bin/qmail-pop3d
  cp tests/standins/qmail-smtpd-auth $R$Q/bin/qmail-smtpd
  chmod 755 $R$Q/bin/*
  B=$R$H/bin
  mkdir -m 755 $R$Q/relaylock && chown root:root $R$Q/relaylock
  mkdir -p $R$E/relaylock/env && chmod 755 $R$E $R$E/relaylock $R$E/relaylock/env
  echo $R$Q/relaylock > $R$E/relaylock/env/RELAYLOCK_DIR
  echo 600 > $R$E/relaylock/env/RELAYLOCK_EXPIRY
  echo 64 > $R$E/relaylock/env/RELAYLOCK_V6PREFIX
  echo "$1" > $R$E/relaylock/env/RELAYLOCK_NEVER
  shift
  for u in alice bob; do
    mkdir -p $R/home/$u/Maildir/new $R/home/$u/Maildir/cur $R/home/$u/Maildir/tmp
    chown -R $u:$u $R/home/$u && chmod 700 $R/home/$u
  done
  chmod 755 $R/home
  {
    echo "alice@example.test:$(echo secret | $B/smtp-auth-passwd):$ALICE:$ALICE::$R/home/alice::"
    echo "bob@example.test:{PLAIN}hunter2:$BOB:$BOB::$R/home/bob::"
    for line in "$@"; do echo "$line"; done
  } > $R$Q/control/smtp-auth.users
  chmod 600 $R$Q/control/smtp-auth.users
  $B/smtp-auth-mkdb $R$Q/control/smtp-auth.cdb $R$Q/control/smtp-auth.tmp < $R$Q/control/smtp-auth.users
  chgrp nofiles $R$Q/control/smtp-auth.cdb && chmod 640 $R$Q/control/smtp-auth.cdb
  mkdir -m 2770 $R$Q/smtp-auth-state
  (umask 007 && touch $R$Q/smtp-auth-state/.lock) && chmod 660 $R$Q/smtp-auth-state/.lock
  chown -R qmaild:nofiles $R$Q/smtp-auth-state
  A=$R$Q/control/smtp-auth-env
  mkdir -p $A && chmod 755 $A
  echo $R$Q/control/smtp-auth.cdb > $A/CHKPW_USERS
  echo $R$Q/smtp-auth-state > $A/CHKPW_STATE
  echo 5 > $A/CHKPW_MAXFAIL; echo 900 > $A/CHKPW_WINDOW; echo 900 > $A/CHKPW_LOCKOUT
  echo '127.0.0.1 ::1' > $A/CHKPW_TRUSTED
}
# host_key: the TLS key and certificate, as INSTALL makes them.
host_key() {
  mkdir -p $R$E/ssl/private && chmod 710 $R$E/ssl/private
  (umask 077 && openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=mail.example.test \
    -keyout $R$E/ssl/private/mail.pem -out $R$E/ssl/private/mail.pem) > $SCRATCH/openssl.log 2>&1
  chmod 600 $R$E/ssl/private/mail.pem
  same "the key is root's, mode 600" "$(stat -c '%U %a' $R$E/ssl/private/mail.pem)" "root 600"
}

# --- the programs' settings ---------------------------------------------------
# Rules mode (relaylock, RELAYLOCK_CDB) leaves the rebuilds a burst asks for
# to a detached process, which lingers briefly: wait until no request is
# pending and nobody holds the rebuild lock (bounded: 30 s, or TENTHS
# tenths of a second).
settled() {  # [TENTHS]
  n=0
  until { ! [ -e "$RELAYLOCK_CDB.pending" ] && flock -n "$RELAYLOCK_CDB.lock" true; } || [ $n -ge ${1:-300} ]; do
    sleep 0.1; n=$((n + 1))
  done
}
# bounce_control [ME [EPOCH]]: a qmail control directory CTL naming this
# host ME (control/me; mail.example.jp unless given) for bounce-fmt and
# bounce-explain, exported as CONTROLDIR, and a fixed clock
# (SOURCE_DATE_EPOCH, 827034880 unless given: 17 Mar 1996 03:54:40).
bounce_control() {
  CTL=$SCRATCH/control
  mkdir "$CTL" && echo "${1:-mail.example.jp}" > "$CTL/me" || exit 111
  SOURCE_DATE_EPOCH=${2:-827034880}
  CONTROLDIR=$CTL
  export SOURCE_DATE_EPOCH CONTROLDIR
}

# --- the demonstration's words -----------------------------------------------
# say LINE...: each argument a line, folded at 78 columns.
say() { printf '%s\n' "$@" | fold -s -w 78; }
# step TITLE: a heading.
step() { echo; echo "== $*"; }
# show [MARK]: standard input indented (after MARK, when given).
show() { sed "s/^/    ${1-}/"; }
# unlimit_for_sanitizer DIR: a sanitizer build (make check-asan) reserves
# terabytes of address space and cannot run under softlimit -m, so the run
# scripts under DIR lose that one line for it (compare them with the
# shipped files first); one test line says none keeps it.
unlimit_for_sanitizer() {
  [ -n "$SANITIZED" ] || return 0
  for run in "$1"/*/run; do sed -i '/^  softlimit -m [0-9]* \\$/d' "$run"; done
  same "sanitizer build: no run script keeps softlimit" "$(grep -l softlimit "$1"/*/run)" ""
}
