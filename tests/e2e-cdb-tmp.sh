#!/bin/sh
# The temporary file of the one cdb writer (lib/cdb_write.cc) as
# smtp-auth-mkdb and relaylock-rules use it, attacked by another local user
# (uid 65534) who can write TMP's directory: a TMP it created (and keeps
# open), a hard link, a symbolic link, a directory others can write or
# that another user owns. Then the users cdb reader's bounds: a record
# longer than the documented maximum, and one claiming 4 GiB.
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH" || exit 111
unset RELAYLOCK_RULES RELAYLOCK_CDB RELAYLOCK_RELAYCLIENT RELAYLOCK_V6PREFIX RELAYLOCK_EXPIRY TCPREMOTEIP IP USER
RELAYLOCK_DIR=$SCRATCH/locks
RELAYLOCK_NEVER=""
export RELAYLOCK_DIR RELAYLOCK_NEVER
mkdir locks || exit 111

if [ "$(id -u)" -ne 0 ] || ! command -v setpriv > /dev/null; then
  ok "TMP attacks # SKIP needs root and setpriv"
  finish
fi
other() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
# one_line DESCRIPTION FILE PROGRAM: exactly one line, a fatal one
one_line() {
  same "$1: one line" "$(wc -l < "$2" | tr -d ' ')" 1
  contains "$1: a fatal line naming TMP" "$2" "^$3: fatal: .*\\.tmp"
}

printf 'alice:{PLAIN}old-secret\n' > old.users
printf 'alice:{PLAIN}new-secret\nbob:{PLAIN}bobs-secret\n' > users
printf '192.0.2.1:allow,RELAYCLIENT=""\n:allow\n' > rules

# A shared spool like /tmp: sticky, writable by everyone, owned by root.
mkdir spool && chmod 1777 spool
status "a first build through a sticky spool" 0 smtp-auth-mkdb spool/users.cdb spool/users.tmp < old.users
cp spool/users.cdb before.cdb

# 1. A TMP that another user created, and keeps open to read what we write.
other sh -c 'umask 0; : > spool/users.tmp' || exit 111
# Two FIFOs order the steps (the timeouts only guard against a hang when
# the attacker could not start).
mkfifo -m 666 ready go || exit 111
other sh -c 'exec 3< spool/users.tmp; echo > ready; read x < go; cat <&3 > spool/leak' &
attacker=$!
timeout 60 sh -c 'read x < ready' || not_ok "the attacker holds TMP open"
smtp-auth-mkdb spool/users.cdb spool/users.tmp < users 2> err
st=$?
timeout 60 sh -c 'echo > go'
wait $attacker
same "another user's TMP: refused with 111" "$st" 111
one_line "another user's TMP" err smtp-auth-mkdb
same "another user's TMP: nothing written into it (read through its descriptor)" "$(wc -c < spool/leak | tr -d ' ')" 0
check "another user's TMP: the cdb is unchanged" cmp -s spool/users.cdb before.cdb
same "another user's TMP: left as it was" "$(stat -c '%u %s' spool/users.tmp)" "65534 0"

other sh -c 'umask 0; : > spool/rules.tmp' || exit 111
relaylock-rules spool/rules.cdb spool/rules.tmp < rules 2> err
same "relaylock-rules, another user's TMP: refused with 111" "$?" 111
one_line "relaylock-rules, another user's TMP" err relaylock-rules
check "relaylock-rules, another user's TMP: no cdb installed (it would be that user's file)" test ! -e spool/rules.cdb
same "relaylock-rules, another user's TMP: left empty" "$(stat -c '%u %s' spool/rules.tmp)" "65534 0"

# 2. A hard link as TMP: the other name would hold the cdb.
other sh -c 'umask 0; : > spool/bait && ln spool/bait spool/link.tmp' || exit 111
smtp-auth-mkdb spool/link.cdb spool/link.tmp < users 2> err
same "hard link as TMP: refused with 111" "$?" 111
one_line "hard link as TMP" err smtp-auth-mkdb
same "hard link as TMP: the other name holds nothing" "$(wc -c < spool/bait | tr -d ' ')" 0
check "hard link as TMP: no cdb installed" test ! -e spool/link.cdb
mkdir private && chmod 700 private
: > private/ours && ln private/ours private/ours.tmp
relaylock-rules private/r.cdb private/ours.tmp < rules 2> err
same "a hard link of our own as TMP: refused with 111" "$?" 111
same "a hard link of our own as TMP: the other name holds nothing" "$(wc -c < private/ours | tr -d ' ')" 0

# 3. A symbolic link as TMP.
echo victim > victim && chmod 644 victim
other ln -s "$SCRATCH/victim" spool/sym.tmp || exit 111
smtp-auth-mkdb spool/sym.cdb spool/sym.tmp < users 2> err
same "symbolic link as TMP: refused with 111" "$?" 111
one_line "symbolic link as TMP" err smtp-auth-mkdb
contains "symbolic link as TMP: says so" err 'symbolic link'
same "symbolic link as TMP: its target untouched" "$(cat victim)" victim
check "symbolic link as TMP: still the link, no cdb" sh -c 'test -L spool/sym.tmp && ! test -e spool/sym.cdb'

# 4. Directories others can write and that are not sticky, or that another
# user owns.
mkdir open && chmod 777 open
smtp-auth-mkdb open/users.cdb open/users.tmp < users 2> err
same "world-writable directory, not sticky: refused with 111" "$?" 111
one_line "world-writable directory" err smtp-auth-mkdb
contains "world-writable directory: says why" err 'writable by others'
check "world-writable directory: nothing created" sh -c '! ls open | grep -q .'
relaylock-rules open/rules.cdb open/rules.tmp < rules 2> err
same "relaylock-rules, world-writable directory: refused with 111" "$?" 111
mkdir group && chmod 775 group
status "group-writable directory, not sticky: refused with 111" 111 smtp-auth-mkdb group/users.cdb group/users.tmp < users 2> err
mkdir theirs && chown 65534:65534 theirs && chmod 755 theirs
smtp-auth-mkdb theirs/users.cdb theirs/users.tmp < users 2> err
same "a directory another user owns: refused with 111" "$?" 111
contains "a directory another user owns: says whose" err 'owned by uid 65534'
check "a directory another user owns: nothing created" sh -c '! ls theirs | grep -q .'

# 5. Our own stale TMP in the sticky spool: removed, and a fresh file made
# (a descriptor still open on the stale one sees none of the new cdb).
printf stale > spool/stale.tmp && chmod 644 spool/stale.tmp
exec 4< spool/stale.tmp
status "our stale TMP in a sticky directory: the build works" 0 smtp-auth-mkdb spool/stale.cdb spool/stale.tmp < users
same "our stale TMP: a descriptor on it sees the old bytes only" "$(cat <&4)" stale
exec 4<&-
same "our stale TMP: the new cdb is complete" "$(cdbget bob < spool/stale.cdb)" "{PLAIN}bobs-secret"
check "our stale TMP: gone" test ! -e spool/stale.tmp

# 6. The modes of the result.
umask 077
status "relaylock-rules: first build" 0 relaylock-rules spool/m.cdb spool/m.tmp < rules
same "relaylock-rules: a first build is 0644 whatever the umask" "$(stat -c '%a %u' spool/m.cdb)" "644 0"
status "smtp-auth-mkdb: first build" 0 smtp-auth-mkdb private/u.cdb private/u.tmp < users
same "smtp-auth-mkdb: a first build is 0600" "$(stat -c '%a %u' private/u.cdb)" "600 0"
chgrp 65534 private/u.cdb && chmod 640 private/u.cdb
smtp-auth-mkdb private/u.cdb private/u.tmp < users
same "smtp-auth-mkdb: a rebuild keeps mode, owner and group" "$(stat -c '%a %u %g' private/u.cdb)" "640 0 65534"
umask 022

# 7. Record lengths. smtp-auth-mkdb refuses a record (the text after the
# user name) over 65536 bytes; the checker reads one of exactly 65536 bytes
# and refuses a cdb whose record claims more, or more than the file holds,
# without trying to allocate it.
pad() { head -c "$1" /dev/zero | tr '\0' x; }
fields="{PLAIN}secret::::::"
{ printf 'carol:%s' "$fields"; pad $((65536 - ${#fields})); echo; } > max.users
status "smtp-auth-mkdb: a record of 65536 bytes is accepted" 0 smtp-auth-mkdb max.cdb max.tmp < max.users
{ printf 'carol:%s' "$fields"; pad $((65537 - ${#fields})); echo; } > over.users
smtp-auth-mkdb over.cdb over.tmp < over.users 2> err
same "smtp-auth-mkdb: a record of 65537 bytes is a bad line (100)" "$?" 100
contains "smtp-auth-mkdb: names the line and the maximum" err '^smtp-auth-mkdb: fatal: line 1: .*65536'
printf 'carol\000secret\000\000' > login
checker() {  # CDB: the exit status of a login as carol; its log in err
  env SMTPAUTH=+cram TCPREMOTEIP=192.0.2.7 CHKPW_USERS="$1" smtp-auth-checkpassword /bin/true 3< login < /dev/null > /dev/null 2> err
}
checker "$SCRATCH/max.cdb"
same "checker: reads a record of 65536 bytes" "$?" 0
# The same record written by another tool with its length patched to
# 4 GiB - 16 (the hash tables still end at the end of the file).
printf '+5,%d:carol->%s\n\n' "${#fields}" "$fields" | cdbmake huge.cdb huge.tmp
printf '\360\377\377\377' | dd of=huge.cdb bs=1 seek=2052 conv=notrunc 2> /dev/null
if (ulimit -v 262144 && checker "$SCRATCH/max.cdb"); then
  (ulimit -v 262144 && checker "$SCRATCH/huge.cdb")
  same "checker: a record claiming 4 GiB, under ulimit -v 256 MiB: 111" "$?" 111
  same "checker: a record claiming 4 GiB: one log line" "$(wc -l < err | tr -d ' ')" 1
  contains "checker: a record claiming 4 GiB: the database is corrupt" err '^smtp-auth-checkpassword: fatal: .*huge\.cdb.* corrupt'
  lacks "checker: a record claiming 4 GiB: no attempt to allocate it" err 'memory'
else
  ok "checker: a record claiming 4 GiB # SKIP the checker cannot run under ulimit -v (a sanitizer build?)"
fi

finish
