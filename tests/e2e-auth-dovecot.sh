#!/bin/sh
# A real Dovecot (Debian's dovecot-core, on loopback, its own base
# directory) authenticating through smtp-auth-checkpassword as its
# checkpassword passdb: a good password, a wrong one, an unknown user, and
# the record's uid, gid and home handed back as userdb_* fields.
. "$(dirname "$0")/lib.sh"
if ! command -v dovecot >/dev/null || ! command -v doveadm >/dev/null; then
  ok "dovecot # SKIP dovecot-core is not installed"; finish
fi
if [ "$(id -u)" -ne 0 ]; then
  ok "dovecot # SKIP needs root (Dovecot's master starts as root)"; finish
fi
cd "$SCRATCH" || exit 111
mkdir -p run state home && chmod 1777 "$SCRATCH/state"
printf 'alice:%s:1234:5678::/home/alice::\nbob:{PLAIN}hunter2\n' "$(echo secret | smtp-auth-passwd -s cram-md5)" > users
smtp-auth-mkdb users.cdb users.tmp < users || not_ok "smtp-auth-mkdb"
chmod 644 users.cdb
# Dovecot gives the program a clean environment: a wrapper sets ours. The
# checker's descriptor 2 stays Dovecot's log.
cat > checker <<WRAP
#!/bin/sh
exec env CHKPW_USERS=$SCRATCH/users.cdb $BIN/smtp-auth-checkpassword "\$@"
WRAP
chmod 755 checker
cat > dovecot.conf <<CONF
base_dir = $SCRATCH/run
state_dir = $SCRATCH/state
log_path = $SCRATCH/dovecot.log
protocols =
listen = 127.0.0.1
ssl = no
auth_mechanisms = plain login
passdb {
  driver = checkpassword
  args = $SCRATCH/checker
}
userdb {
  driver = prefetch
}
userdb {
  driver = checkpassword
  args = $SCRATCH/checker
}
service anvil {
  chroot =
}
default_login_user = nobody
default_internal_user = nobody
CONF
# A sanitizer build of the checker cannot run under Dovecot's address space
# limit (default_vsz_limit, 256 MB; see README): lifted for that build only.
[ -n "$SANITIZED" ] && echo 'default_vsz_limit = 0' >> dovecot.conf
if ! dovecot -c dovecot.conf; then
  not_ok "dovecot starts"; sed 's/^/#   /' dovecot.log 2>/dev/null | tail -5; finish
fi
# stopped by its master's pid, before the scratch directory goes
stop_dovecot() {
  pid=$(cat "$SCRATCH/run/master.pid" 2>/dev/null)
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
}
trap 'stop_dovecot; cleanup' EXIT
doveadm -c dovecot.conf auth test alice secret > /dev/null 2>&1
same "Dovecot authenticates alice through smtp-auth-checkpassword" "$?" 0
# a login (passdb, then the prefetch userdb) shows the fields handed back
doveadm -c dovecot.conf auth login alice secret > good.txt 2>&1
same "a full Dovecot login with the userdb from the record" "$?" 0
contains "the record's uid comes back as the userdb uid" good.txt '^ *uid=1234$'
contains "... its gid" good.txt '^ *gid=5678$'
contains "... its home" good.txt '^ *home=/home/alice$'
doveadm -c dovecot.conf auth test bob hunter2 > /dev/null 2>&1
same "a {PLAIN} user without ids" "$?" 0
doveadm -c dovecot.conf auth test alice wrong > /dev/null 2>&1
same "Dovecot refuses a wrong password (77)" "$?" 77
doveadm -c dovecot.conf auth test mallory secret > /dev/null 2>&1
same "Dovecot refuses an unknown user (77)" "$?" 77
# Dovecot's log process writes on its own time: wait (bounded) for a line.
logged() {  # PATTERN
  i=0
  until grep -Eq -- "$1" dovecot.log || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done
}
logged 'smtp-auth-checkpassword: fail user=mallory '
contains "the checker's success is in Dovecot's log as Info, with Dovecot's mechanism" dovecot.log \
  'auth: Info: smtp-auth-checkpassword: ok user=alice ip=- mech=plain$'
contains "the refusal too" dovecot.log 'auth: Info: smtp-auth-checkpassword: fail user=alice ip=- mech=plain reason=bad_password$'
lacks "no line of ours is an Error" dovecot.log 'Error: smtp-auth-checkpassword'
lacks "no password in any log" dovecot.log 'wrong|secret|hunter2'
doveadm -c dovecot.conf user alice > user.txt 2>&1
same "a userdb lookup (AUTHORIZED=1) finds alice without a password" "$?" 0
contains "with the record's uid" user.txt '^uid[[:space:]]+1234$'
# (Dovecot 2.3 reads exit 1 in a lookup as a failure of the script, not as
# "unknown user"; the interface allows no other status)
doveadm -c dovecot.conf user mallory > /dev/null 2>&1
check "a userdb lookup of an unknown user does not succeed" test $? -ne 0
logged 'mech=lookup reason=unknown_user'
contains "lookups are logged as such" dovecot.log 'auth: Info: smtp-auth-checkpassword: ok user=alice ip=- mech=lookup$'
stop_dovecot
finish
