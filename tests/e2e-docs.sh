# Every program has a man page with an EXIT CODES section that groff
# formats without a warning; README and INSTALL say what a new user needs.
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 111
while read -r prog; do
  check "$prog has a man page" [ -f "$prog.8" ]
done < tests/programs.list
for page in */*.8; do
  [ -f "$page" ] || continue
  out=$(groff -man -ww -z "$page" 2>&1)
  same "$page: groff -man -ww -z is silent" "$out" ""
  contains "$page has an EXIT CODES section" "$page" '^\.SH "?EXIT CODES'
done
contains "README shows the demonstration command" README.md 'make demo'
contains "README shows the test command" README.md 'make check'
contains ".ci/run runs the README's test command" .ci/run 'sh tests/setup' 
contains ".ci/run runs make check" .ci/run 'make check'
contains "INSTALL has numbered steps" INSTALL '^ *1\. '
make -s install DESTDIR="$SCRATCH/stage" >/dev/null 2>&1
status "make install honours DESTDIR" 0 test -x "$SCRATCH/stage$(head -n 1 conf-home)/bin/relaylock-check"
programs=$(ls "$SCRATCH/stage$(head -n 1 conf-home)/bin" | wc -l)
pages=$(ls "$SCRATCH/stage$(head -n 1 conf-home)/share/man/man8" | wc -l)
same "make install puts a man page beside every program" "$pages" "$programs"
installed_setuid=$(find "$SCRATCH/stage" -perm -4000 -o -perm -2000 | wc -l)
same "nothing is installed setuid or setgid" "$installed_setuid" "0"
# First contact: an administrator's tool answers --help (usage on standard
# output, exit 0); chain programs take no options.
for prog in relaylock-expire relaylock-list relaylock-revoke smtp-auth-passwd smtp-auth-throttle smtp-auth-mkdb sendlimit-list sendlimit-release sendlimit-override; do
  out=$("$BIN/$prog" --help 2>&1 >/dev/null)
  same "$prog --help: nothing on descriptor 2" "$out" ""
  out=$("$BIN/$prog" --help 2>/dev/null)
  st=$?
  same "$prog --help: exit 0, usage on standard output" "$st $(echo "$out" | cut -c1-6)" "0 usage:"
done
status "relaylock-revoke -- ADDRESS: -- ends options" 0 env RELAYLOCK_DIR="$SCRATCH" "$BIN/relaylock-revoke" -- 192.0.2.1
finish
