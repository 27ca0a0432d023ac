# Sourced by every end-to-end suite. Prints TAP-style lines ("ok N - ...",
# "not ok N - ...") that tests/run counts. Gives each suite a scratch
# directory that is removed on exit, and the built programs' paths.
# The programs are those the build lists in tests/programs.list (written by
# make from each FAMILY/build.mk's PROGRAMS): run make first, then make
# check or sh tests/e2e-x.sh.
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
# contains DESCRIPTION FILE PATTERN (grep -E)
contains() { if grep -Eq -- "$3" "$2"; then ok "$1"; else not_ok "$1"; echo "#   no /$3/ in:"; sed 's/^/#   /' "$2" | head -20; fi; }
lacks() { if grep -Eq -- "$3" "$2"; then not_ok "$1"; echo "#   unexpected /$3/ in:"; sed 's/^/#   /' "$2" | head -20; else ok "$1"; fi; }
finish() { exit $((test_failures > 0)); }
# A free TCP port on loopback, never one this suite was given before: the
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
