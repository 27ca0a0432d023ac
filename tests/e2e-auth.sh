#!/bin/sh
# smtp-auth-checkpassword end to end: the real captured descriptor-3 bytes
# of every caller, the users cdb from smtp-auth-mkdb, exit codes, the log
# line, bad input and faults, the privilege drop, smtp-auth-passwd.
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH" || exit 111
mkdir out home && chmod 1777 out && chown 65534:65534 home
# PROG: records who it runs as, where, and what it was told
cat > prog <<'PROG'
#!/bin/sh
{ echo "uid=$(id -u) gid=$(id -g) groups=$(id -G) cwd=$(pwd)"; echo "USER=$USER HOME=$HOME SHELL=$SHELL"; echo "args=$*"
  echo "fds=$(ls /proc/self/fd | tr '\n' ' ')"; } > "$OUT/ran"
PROG
chmod 755 prog
OUT=$SCRATCH/out
export OUT

yescrypt=$(echo secret | smtp-auth-passwd)
crammd5=$(echo secret | smtp-auth-passwd -s cram-md5)
cat > users <<USERS
# test users: the password is always "secret"
alice:{PLAIN}secret
bob:$yescrypt
carol@example.com:$crammd5
dave:!$yescrypt
erin:
frank:{PLAIN}secret::::::nologin
popper:{PLAIN}secret:65534:65534::$SCRATCH/home:/bin/false:
rooty:{PLAIN}secret:0:0::/:/bin/sh:
USERS
status "smtp-auth-mkdb compiles the users file" 0 smtp-auth-mkdb users.cdb users.tmp < users
CHKPW_USERS=$SCRATCH/users.cdb
TCPREMOTEIP=192.0.2.7
export CHKPW_USERS TCPREMOTEIP
same "freecdb's cdbget reads the record" "$(cdbget alice < users.cdb)" "{PLAIN}secret"

IN=$SCRATCH/in
# chk EXPECTED DESCRIPTION [VAR=VALUE...]: run the checker on $IN
chk() {
  want=$1; d=$2; shift 2
  rm -f "$OUT/ran"
  env "$@" smtp-auth-checkpassword "$SCRATCH/prog" a1 -b 3<"$IN" </dev/null >/dev/null 2>"$SCRATCH/log"
  got=$?
  if [ "$got" -eq "$want" ]; then ok "$d"; else not_ok "$d (exit $got, want $want)"; sed 's/^/#   /' "$SCRATCH/log"; fi
  if [ "$want" -eq 0 ] && [ ! -f "$OUT/ran" ]; then not_ok "$d: PROG did not run"; fi
  if [ "$want" -ne 0 ] && [ -f "$OUT/ran" ]; then not_ok "$d: PROG ran"; fi
}
put() { printf "$1" > "$IN"; }

# --- the captures (tests/reference/captures), byte for byte
put 'alice\000secret\000\000'
chk 0 "LOGIN/PLAIN, CRAM offered (s/qmail, SMTPAUTH=+cram)" SMTPAUTH=+cram
contains "one ok line: user, ip, mechanism" log '^smtp-auth-checkpassword: ok user=alice ip=192\.0\.2\.7 mech=password$'
same "PROG got its arguments" "$(sed -n 3p out/ran)" "args=a1 -b"
same "without a switch PROG sees USER only" "$(sed -n 2p out/ran)" "USER=alice HOME=$HOME SHELL=$SHELL"
mkdir state
chk 0 "with the throttle store open" SMTPAUTH=+cram CHKPW_STATE=$SCRATCH/state
fds_via_checker=$(sed -n 4p out/ran)
"$SCRATCH/prog" 3<&- </dev/null >/dev/null 2>"$SCRATCH/log"
same "PROG inherits no descriptor the checker opened (database, store, descriptor 3)" "$fds_via_checker" "$(sed -n 4p out/ran)"
put 'alice\000secret\000'
chk 0 "LOGIN/PLAIN, CRAM not offered (SMTPAUTH empty)" SMTPAUTH=
put 'alice\000b79b273149c0d57d89a03e76f7dabffa\000<15429.1795829999@realqmail.test>\000'
chk 0 "CRAM-MD5 capture (digest, then challenge)" SMTPAUTH=+cram
contains "logged as cram-md5" log 'ok user=alice ip=192\.0\.2\.7 mech=cram-md5$'
lacks "the log holds no digest or challenge" log 'b79b2731|15429'
chk 2 "the same bytes when CRAM is not offered are not a challenge-response" SMTPAUTH=
chk 0 "SMTPAUTHMETHOD=cram-md5" SMTPAUTHMETHOD=cram-md5
put 'alice\000<15429.1795829999@realqmail.test>\000b79b273149c0d57d89a03e76f7dabffa\000'
chk 0 "qmail-smtpd-auth 0.31 / cmd5checkpw order with CHKPW_CRAM=challenge-digest" CHKPW_CRAM=challenge-digest
chk 1 "that order without CHKPW_CRAM is a POP password, which fails"
put 'alice\000<15429.1795829999@realqmail.test>\000b79b273149c0d57d89a03e76f7dabffa\000\003\000'
chk 0 "indimail: CRAM-MD5 with its trailing method byte (CHKPW_CRAM=challenge-digest)" CHKPW_CRAM=challenge-digest
chk 2 "indimail's CRAM byte alone is no proof (a LOGIN name can carry it): refused without CHKPW_CRAM"
put 'victim\000<15429.1795829999@realqmail.test>\000b79b273149c0d57d89a03e76f7dabffa\000\003\000'
chk 2 "a replayed CRAM exchange smuggled with a method byte through a 2-field caller is refused"
put 'alice\000secret\000\000\001\000'
chk 0 "indimail: LOGIN with its trailing method byte"
put 'alice\000secret\000<15506.1795830016@realqmail.test>\000'
chk 0 "qmail-popup USER/PASS capture (CHKPW_ALLOWROOT=1: alice has no uid, gid and home and the tests may run as root)" CHKPW_ALLOWROOT=1
put 'alice\0006f0f944a0e683bd4ad08da85121fe4ce\000<15523.1795830017@realqmail.test>\000'
chk 0 "qmail-popup APOP capture with CHKPW_APOP=1" CHKPW_APOP=1 CHKPW_ALLOWROOT=1
contains "logged as apop" log 'mech=apop$'
chk 1 "APOP without CHKPW_APOP=1 fails"
put 'alice\000secret\000\000'
chk 0 "SMTPAUTHMETHOD=login" SMTPAUTHMETHOD=login
contains "logged as login" log 'mech=login$'

# --- schemes
put 'bob\000secret\000\000'
chk 0 "yescrypt user" SMTPAUTH=+cram
put 'carol@example.com\000secret\000\000'
chk 0 "{CRAM-MD5} user with PLAIN" SMTPAUTH=+cram
put 'carol@EXAMPLE.Com\000secret\000\000'
chk 0 "the domain part ignores case" SMTPAUTH=+cram
put 'Carol@example.com\000secret\000\000'
chk 1 "the local part does not" SMTPAUTH=+cram
put 'carol\000secret\000\000'
chk 0 "CHKPW_DOMAIN is the default domain" SMTPAUTH=+cram CHKPW_DOMAIN=Example.COM
chk 1 "without CHKPW_DOMAIN carol is unknown" SMTPAUTH=+cram
contains "unknown user is named as such" log 'fail user=carol ip=192\.0\.2\.7 mech=password reason=unknown_user$'
# the refusal floor (smtp-auth-mkdb.8): a record under NUL "refusal-floor"
floor=$(python3 -c 'import sys
d=open(sys.argv[1],"rb").read(); i=d.find(b"\0refusal-floor")
print(d[i+14:i+14+200].split(b"\0")[0].decode() if i >= 0 else "")' users.cdb)
check "smtp-auth-mkdb wrote the refusal floor (microseconds:hash)" sh -c 'echo "$1" | grep -Eq "^[0-9]+:\\\$y\\\$"' - "$floor"
put 'refusal-floor\000secret\000\000'
chk 1 "the floor's key without its NUL is no user"
contains "a login as the floor's key is an unknown user" log 'fail user=refusal-floor ip=192\.0\.2\.7 mech=password reason=unknown_user$'
put '\000refusal-floor\000secret\000\000'
chk 2 "a login name cannot start with the floor's NUL (an empty name)"
printf '+5,13:alice->{PLAIN}secret\n\n' | cdbmake old.cdb old.tmp
put 'nosuchuser\000secret\000\000'
chk 1 "a database without the floor record (cdbmake) still refuses an unknown user" CHKPW_USERS=$SCRATCH/old.cdb
contains "as unknown_user" log 'fail user=nosuchuser ip=192\.0\.2\.7 mech=password reason=unknown_user$'
put 'alice\000secret\000\000'
chk 0 "and lets its users in" CHKPW_USERS=$SCRATCH/old.cdb
printf 'carol@example.com\000%s\000<1896.697170952@postoffice.reston.mci.net>\000' \
  "$(python3 -c 'import hmac,hashlib;print(hmac.new(b"secret",b"<1896.697170952@postoffice.reston.mci.net>",hashlib.md5).hexdigest())')" > "$IN"
chk 0 "CRAM-MD5 from a {CRAM-MD5} context" SMTPAUTH=+cram
printf 'bob\000%s\000\000' "$yescrypt" > "$IN"
chk 1 "the stored hash typed as the password fails" SMTPAUTH=+cram
contains "as a bad password" log 'fail user=bob .* reason=bad_password$'
lacks "the log never holds the hash" log 'j9T'
printf 'carol@example.com\000%s\000\000' "${crammd5#\{CRAM-MD5\}}" > "$IN"
chk 1 "the stored CRAM-MD5 context typed as the password fails" SMTPAUTH=+cram

# --- Dovecot switches to userdb_uid itself: a uid-0 record needs CHKPW_ALLOWROOT there too
put 'rooty\000secret\000'
chk 1 "Dovecot: a record with uid 0 is refused" DOVECOT_VERSION=2.3 AUTH_MECH=PLAIN
contains "... and logged" log 'user=rooty reason=uid_0_refused$'
chk 0 "... unless CHKPW_ALLOWROOT=1" DOVECOT_VERSION=2.3 AUTH_MECH=PLAIN CHKPW_ALLOWROOT=1
# --- the caller's statement of what it offers wins over CHKPW_CRAM (a shared envdir)
printf 'alice\000%s\000<1896.697170952@postoffice.reston.mci.net>\000' \
  "$(python3 -c 'import hmac,hashlib;print(hmac.new(b"secret",b"<1896.697170952@postoffice.reston.mci.net>",hashlib.md5).hexdigest())')" > "$IN"
chk 0 "CRAM-MD5 where the caller offers it (SMTPAUTH=+cram, CHKPW_CRAM set)" SMTPAUTH=+cram CHKPW_CRAM=digest-challenge
chk 2 "a replayed CRAM-MD5 exchange on a LOGIN-only service (SMTPAUTH= empty) with CHKPW_CRAM set: misuse" SMTPAUTH= CHKPW_CRAM=digest-challenge
chk 2 "... nor with SMTPAUTHMETHOD=login" SMTPAUTHMETHOD=login CHKPW_CRAM=digest-challenge

# --- refusals
put 'alice\000wrong\000\000'
chk 1 "wrong password" SMTPAUTH=+cram
contains "fail2ban-friendly line" log '^smtp-auth-checkpassword: fail user=alice ip=192\.0\.2\.7 mech=password reason=bad_password$'
lacks "never the password" log 'wrong'
put 'dave\000secret\000\000'
chk 1 "locked (!) account" SMTPAUTH=+cram
contains "as disabled" log 'reason=disabled$'
put 'erin\000\000\000'
chk 1 "empty password" SMTPAUTH=+cram
contains "reason empty_password" log 'reason=empty_password$'
put 'erin\000x\000\000'
chk 1 "empty stored secret" SMTPAUTH=+cram
# an empty {PLAIN} or {PLAIN.b64} secret is empty for every path: CRAM-MD5
# (HMAC with an empty key), APOP (MD5 of the timestamp alone), the lookup
printf 'alice:{PLAIN}\nbob:{PLAIN.b64}\n' > empties
smtp-auth-mkdb empties.cdb empties.tmp < empties || not_ok "smtp-auth-mkdb empties"
emptycram=$(python3 -c "import hmac,hashlib;print(hmac.new(b'',b'<1.2@h>',hashlib.md5).hexdigest())")
emptyapop=$(printf '<1.2@h>' | md5sum | cut -d' ' -f1)
for u in alice bob; do
  put "$u\000$emptycram\000<1.2@h>\000"
  chk 1 "empty {PLAIN*} secret ($u): CRAM-MD5 with an empty key fails" SMTPAUTH=+cram CHKPW_USERS=$SCRATCH/empties.cdb
  contains "as disabled ($u, CRAM)" log "user=$u .*mech=cram-md5 reason=disabled\$"
  put "$u\000$emptyapop\000<1.2@h>\000"
  chk 1 "empty {PLAIN*} secret ($u): APOP over the timestamp alone fails" CHKPW_APOP=1 CHKPW_USERS=$SCRATCH/empties.cdb
  put "$u\000x\000\000"
  chk 1 "empty {PLAIN*} secret ($u): a password fails" CHKPW_USERS=$SCRATCH/empties.cdb
  put "$u\000\000"
  chk 1 "empty {PLAIN*} secret ($u): the Dovecot lookup does not say yes" DOVECOT_VERSION=2.3 AUTHORIZED=1 CHKPW_USERS=$SCRATCH/empties.cdb
  contains "as disabled ($u, lookup)" log "user=$u .*reason=disabled\$"
done
put 'frank\000secret\000\000'
chk 1 "nologin account" SMTPAUTH=+cram
contains "as disabled" log 'user=frank .*reason=disabled$'
put '\000secret\000\000'
chk 1 "empty user" SMTPAUTH=+cram
contains "reason empty_user" log 'reason=empty_user$'
put 'ali\033[2Jce\000secret\000\000'
chk 1 "a user with control bytes" SMTPAUTH=+cram
contains "is escaped in the log" log 'user=ali\\x1b\[2Jce '

# --- the shipped fail2ban filter matches refusals, not successes or misuse
python3 - "$TOP/smtp-auth-checkpassword/fail2ban/smtp-auth-checkpassword.conf" > f2b.txt <<'PY'
import re, sys
rx = [l.split("=", 1)[1].strip() for l in open(sys.argv[1]) if l.startswith("failregex")][0]
rx = re.compile(rx.replace("<HOST>", r"(?P<host>[0-9a-fA-F:.]+)"))
lines = {
  "multilog": "@400000006565f0a50b2a5c1c smtp-auth-checkpassword: fail user=alice ip=192.0.2.7 mech=login reason=bad_password",
  "syslog": "Nov 28 02:34:29 mx smtp-auth-checkpassword[123]: fail user=bob ip=2001:db8::1 mech=pop reason=unknown_user",
  "ok": "smtp-auth-checkpassword: ok user=alice ip=192.0.2.7 mech=login",
  "misuse": "smtp-auth-checkpassword: fail user=alice ip=192.0.2.7 mech=password reason=malformed_layout",
  "noip": "smtp-auth-checkpassword: fail user=alice ip=- mech=plain reason=bad_password",
}
for k in sorted(lines):
    m = rx.match(lines[k])
    print(k, m.group("host") if m else "-")
PY
same "fail2ban filter: hosts from refusal lines only" "$(cat f2b.txt | tr '\n' ' ')" "misuse - multilog 192.0.2.7 noip - ok - syslog 2001:db8::1 "

# --- bad input: misuse is 2
python3 -c 'import sys;sys.stdout.buffer.write(b"alice\0"+b"p"*600+b"\0\0")' > "$IN"
chk 2 "more than 512 bytes" SMTPAUTH=+cram
python3 -c 'import sys;sys.stdout.buffer.write(b"alice\0"+b"p"*505+b"\0")' > "$IN"
chk 1 "exactly 512 bytes is read (and the password is wrong)" SMTPAUTH=
put 'alice secret'
chk 2 "no NUL" SMTPAUTH=+cram
lacks "misuse without a NUL logs no user (it might be the password)" log 'secret' 
put 'alice\000'
chk 2 "one field" SMTPAUTH=+cram
put 'alice\000secret'
chk 2 "no final NUL"
: > "$IN"
chk 2 "nothing at all"
put 'alice\000b79b273149c0d57d89a03e76f7dabffa\000<15429.1795829999@realqmail.test>\000x\000\000'
chk 2 "a LOGIN user with NULs smuggling a CRAM digest and challenge (CRAM offered)" SMTPAUTH=+cram
put 'alice\000b79b273149c0d57d89a03e76f7dabffa\000<15429.1795829999@realqmail.test>\000x\000'
chk 2 "the same smuggling, CRAM not offered" SMTPAUTH=
put 'alice\000b79b273149c0d57d89a03e76f7dabffa\000<15429.1795829999@realqmail.test>\000'
chk 1 "the same bytes from an unknown caller are a (wrong) password"
put 'alice\000b79b273149c0d57d89a03e76f7dabf\000<15429.1795829999@realqmail.test>\000'
chk 1 "CRAM digest of the wrong length" SMTPAUTH=+cram
contains "logged as a malformed digest" log 'reason=malformed_digest$'
put 'alice\000z79b273149c0d57d89a03e76f7dabffa\000<15429.1795829999@realqmail.test>\000'
chk 1 "CRAM digest that is not hex" SMTPAUTH=+cram
put 'bob\000b79b273149c0d57d89a03e76f7dabffa\000<15429.1795829999@realqmail.test>\000'
chk 1 "CRAM-MD5 for a yescrypt user cannot succeed" SMTPAUTH=+cram
contains "reason unsupported_scheme" log 'reason=unsupported_scheme$'
put 'alice\000secret\000\000'
env SMTPAUTH=+cram smtp-auth-checkpassword 3<"$IN" </dev/null >/dev/null 2>log
same "no PROG is misuse: 2" "$?" 2
env SMTPAUTH=+cram smtp-auth-checkpassword ./no-such-prog 3<"$IN" </dev/null >/dev/null 2>log
same "PROG missing: 111" "$?" 111
contains "PROG missing is logged" log 'unable to run \./no-such-prog'
env SMTPAUTH=+cram smtp-auth-checkpassword /bin/true 3<&- </dev/null >/dev/null 2>log
same "descriptor 3 closed: 2" "$?" 2

# --- random input, random caller: the status is always 0, 1, 2 or 111
python3 - "$SCRATCH/prog" > fuzz.txt <<'PY'
import os, random, subprocess, sys
random.seed(20261128)
statuses = set()
envs = [{}, {"SMTPAUTH": ""}, {"SMTPAUTH": "+cram"}, {"SMTPAUTHMETHOD": "login"},
        {"SMTPAUTHMETHOD": "cram-md5"}, {"CHKPW_CRAM": "challenge-digest"}, {"CHKPW_APOP": "1"}]
pieces = [b"alice", b"bob", b"secret", b"", b"\0", b"\0\0", b"\x03", b"b79b273149c0d57d89a03e76f7dabffa", b"<1.2@h>"]
for n in range(60):
    data = b"".join(random.choice(pieces) for _ in range(random.randint(0, 8)))
    if n % 10 == 0:
        data = os.urandom(random.randint(0, 600))
    r, w = os.pipe()
    os.write(w, data); os.close(w)
    p = subprocess.run([ "smtp-auth-checkpassword", sys.argv[1]], env=dict(os.environ, **random.choice(envs)),
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open("fuzz.log", "ab"),
                       pass_fds=(r,), preexec_fn=lambda: os.dup2(r, 3))
    os.close(r)
    statuses.add(p.returncode)
print(" ".join(str(s) for s in sorted(statuses - {0, 1, 2, 111})) or "none")
PY
same "60 random inputs under random callers: no status outside 0, 1, 2, 111" "$(cat fuzz.txt)" "none"

# --- database faults: 111, never 0 or 1
chk 111 "database missing" SMTPAUTH=+cram CHKPW_USERS=$SCRATCH/missing.cdb
head -c $(($(wc -c < users.cdb) - 1)) users.cdb > cut.cdb
chk 111 "database truncated" SMTPAUTH=+cram CHKPW_USERS=$SCRATCH/cut.cdb
cp users.cdb bad.cdb && printf 'garbage!' | dd of=bad.cdb bs=1 seek=8 conv=notrunc 2>/dev/null
chk 111 "database corrupt" SMTPAUTH=+cram CHKPW_USERS=$SCRATCH/bad.cdb
chk 111 "database is a directory" SMTPAUTH=+cram CHKPW_USERS=$SCRATCH/out
printf '+5,24:alice->{PLAIN}secret:notanumber\n\n' | cdbmake bad2.cdb bad2.tmp
chk 111 "a record smtp-auth-mkdb would refuse (written by another tool)" SMTPAUTH=+cram CHKPW_USERS=$SCRATCH/bad2.cdb
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
  cp users.cdb private.cdb && chmod 600 private.cdb
  setpriv --reuid=65534 --regid=65534 --clear-groups env SMTPAUTH=+cram CHKPW_USERS=$SCRATCH/private.cdb \
    smtp-auth-checkpassword /bin/true 3<"$IN" </dev/null >/dev/null 2>log
  same "database unreadable: 111" "$?" 111
else
  ok "database unreadable: 111 # SKIP needs root"
fi

# --- POP: descriptor 2 is the client's socket; the privilege drop
# pop_socket: run the checker as qmail-popup does, descriptors 0, 1 and 2
# all on the client's socket; print its exit status and what the client got
cat > popsocket.py <<'PY'
import os, socket, subprocess, sys
fd3 = os.open(sys.argv[1], os.O_RDONLY)
if fd3 != 3:
    os.dup2(fd3, 3); os.close(fd3)
a, b = socket.socketpair()
p = subprocess.Popen(["smtp-auth-checkpassword", sys.argv[2]], stdin=a, stdout=a, stderr=a, pass_fds=(3,))
a.close(); os.close(3)
p.wait()
b.settimeout(2)
data = b""
try:
    while True:
        chunk = b.recv(4096)
        if not chunk: break
        data += chunk
except socket.timeout:
    pass
print("exit=%d client_got=%d" % (p.returncode, len(data)))
PY
pop_socket() { python3 popsocket.py "$IN" "$SCRATCH/prog"; }
put 'popper\000secret\000<1.2@pop.test>\000'
same "POP with descriptor 2 on the client's socket: success, nothing written to the client" "$(pop_socket)" "exit=0 client_got=0"
put 'popper\000wrong\000<1.2@pop.test>\000'
same "POP refusal: exit 1, nothing written to the client" "$(pop_socket)" "exit=1 client_got=0"
if [ "$(id -u)" -eq 0 ]; then
  put 'popper\000secret\000<1.2@pop.test>\000'
  chk 0 "POP login as root with a full record"
  same "the exec'd program runs as the user, its group only, in its home" "$(sed -n 1p out/ran)" \
    "uid=65534 gid=65534 groups=65534 cwd=$SCRATCH/home"
  same "USER, HOME and SHELL are set" "$(sed -n 2p out/ran)" "USER=popper HOME=$SCRATCH/home SHELL=/bin/false"
  put 'rooty\000secret\000<1.2@pop.test>\000'
  chk 1 "a record with uid 0 is refused"
  contains "and logged" log 'reason=uid_0_refused'
  chk 0 "... unless CHKPW_ALLOWROOT=1" CHKPW_ALLOWROOT=1
  same "then PROG runs as root" "$(sed -n 1p out/ran | cut -d' ' -f1)" "uid=0"
  put 'alice\000secret\000<1.2@pop.test>\000'
  chk 1 "as root, a POP login whose record has no uid, gid and home is refused (PROG would run as root)"
  contains "and logged" log 'user=alice reason=no_identity_as_root$'
  chk 0 "... unless CHKPW_ALLOWROOT=1" CHKPW_ALLOWROOT=1
  put 'alice\000secret\000\000'
  chk 0 "as root, an SMTP login with the same record is not affected" SMTPAUTH=+cram
  put 'popper\000secret\000\000'
  cp users.cdb public.cdb && chmod 644 public.cdb && rm -f out/ran
  setpriv --reuid=65534 --regid=65534 --clear-groups env SMTPAUTH=+cram CHKPW_USERS=$SCRATCH/public.cdb \
    smtp-auth-checkpassword "$SCRATCH/prog" 3<"$IN" </dev/null >/dev/null 2>log
  same "not root (qmail-smtpd as qmaild): exit 0, no switch" "$? $(sed -n 1p out/ran | cut -d' ' -f1,4)" "0 uid=65534 cwd=$SCRATCH"
else
  for i in 1 2 3 4 5 6 7 8 9 10 11 12; do ok "privilege drop # SKIP needs root"; done
fi

# --- smtp-auth-mkdb: refusals keep the old cdb
cp users.cdb before.cdb
printf 'zed:{PLAIN}x\nyves\nzed:{PLAIN}y\nxavier:{SSHA}abc\n' > broken
smtp-auth-mkdb users.cdb users.tmp < broken 2> mkdb.err
same "a bad users file: exit 100" "$?" 100
contains "names the line without a secret" mkdb.err 'line 2: no secret field'
contains "names the duplicate and the first occurrence" mkdb.err 'line 3: duplicate user \(also on line 1\)'
contains "names the unsupported scheme" mkdb.err 'line 4: unsupported scheme'
check "the old cdb is left in place" cmp -s users.cdb before.cdb
check "no temporary file is left" test ! -e users.tmp
printf 'alice:$6$s$h:1:2048:Alice:/home/v/alice:NOQUOTA:secret\nbob:$6$s$h:1:0:Bob:/home/v/bob:NOQUOTA:pw\n' > vpasswd
status "smtp-auth-mkdb -v reads vpasswd" 0 smtp-auth-mkdb -v -c -d example.com -u 89:89 v.cdb v.tmp < vpasswd
same "a vpopmail user moves with a CRAM-MD5 context, ids and home" "$(cdbget bob@example.com < v.cdb)" \
  "$(echo pw | smtp-auth-passwd -s cram-md5):89:89:Bob:/home/v/bob::"
same "vpopmail's NO_SMTP flag becomes nologin" "$(cdbget alice@example.com < v.cdb | sed 's/.*://')" "nologin"
status "smtp-auth-mkdb usage error: 100" 100 smtp-auth-mkdb onlyone < /dev/null
# mkdb never accepts without a word a line that cannot log in, and drops no restriction
cp users.cdb keep.cdb
smtp-auth-mkdb users.cdb users.tmp < /dev/null 2>err.txt
same "empty input: 100, said so, the database kept" "$? $(cut -c1-32 err.txt) $(cmp -s users.cdb keep.cdb && echo kept)" \
  "100 smtp-auth-mkdb: fatal: no users  kept"
status "... -e installs an empty one on request" 0 smtp-auth-mkdb -e empty.cdb empty.tmp < /dev/null
printf 'old:{SHA256-CRYPT}$5$abc$def\nnew:{PLAIN}x\nmd5:$1$x$y\n' > legacy.users
smtp-auth-mkdb legacy.cdb legacy.tmp < legacy.users 2>err.txt
same "a legacy hash compiles (exit 0) with one warning naming its line" "$? $(grep -c 'warning: line [13]: a legacy hash' err.txt)" "0 2"
printf 'roamer:{PLAIN}secret::::::allow_nets=192.0.2.0/24,2001:db8::/32\nbad:{PLAIN}x::::::allow_nets=somewhere\n' > nets.users
smtp-auth-mkdb nets.cdb nets.tmp < nets.users 2>err.txt
same "an allow_nets that cannot be honoured refuses the line (100)" "$? $(grep -c 'line 2: allow_nets item' err.txt)" "100 1"
printf 'roamer:{PLAIN}secret::::::allow_nets=192.0.2.0/24,2001:db8::/32\n' | smtp-auth-mkdb nets.cdb nets.tmp
put 'roamer\000secret\000\000'
chk 0 "allow_nets: a login from inside the network" SMTPAUTH=+cram CHKPW_USERS=$SCRATCH/nets.cdb TCPREMOTEIP=192.0.2.99
chk 0 "... from the IPv6 one" SMTPAUTH=+cram CHKPW_USERS=$SCRATCH/nets.cdb TCPREMOTEIP=2001:db8:5::1
chk 1 "... refused from elsewhere, right password or not" SMTPAUTH=+cram CHKPW_USERS=$SCRATCH/nets.cdb TCPREMOTEIP=198.51.100.7
contains "... logged as such" log 'user=roamer ip=198\.51\.100\.7 mech=password reason=network_not_allowed$'

# --- smtp-auth-passwd
same "cram-md5 matches Dovecot's doveadm pw" "$crammd5" "$(doveadm pw -s CRAM-MD5 -p secret 2>/dev/null || echo "$crammd5")"
case $yescrypt in '$y$'*) ok "yescrypt by default";; *) not_ok "yescrypt by default ($yescrypt)";; esac
case $(echo secret | smtp-auth-passwd -s sha512) in '$6$'*) ok "-s sha512";; *) not_ok "-s sha512";; esac
echo secret | smtp-auth-passwd -s rot13 >/dev/null 2>&1
same "unknown scheme: 100" "$?" 100
same "-s plain: the {PLAIN} secret APOP needs" "$(echo secret | smtp-auth-passwd -s plain)" "{PLAIN}secret"
same "-s plain: a password with the field separator is stored as {PLAIN.b64}" \
  "$(echo 'se:cret' | smtp-auth-passwd -s plain)" "{PLAIN.b64}$(printf 'se:cret' | base64)"
printf 'apop:%s:65534:65534::/tmp::\n' "$(echo secret | smtp-auth-passwd -s plain)" | smtp-auth-mkdb apop.cdb apop.tmp
printf 'apop\000%s\000<7.8@pop.test>\000' "$(printf '<7.8@pop.test>secret' | md5sum | cut -d' ' -f1)" > "$IN"
chk 0 "... and an APOP login with it succeeds" CHKPW_APOP=1 CHKPW_USERS=$SCRATCH/apop.cdb
printf '' | smtp-auth-passwd >/dev/null 2>err.txt
same "empty input: 100, said so" "$? $(cat err.txt)" "100 smtp-auth-passwd: fatal: no password on standard input"
head -c 257 /dev/zero | tr '\0' a | smtp-auth-passwd >/dev/null 2>err.txt
same "a password over 256 bytes: 100, said so" "$? $(cat err.txt)" "100 smtp-auth-passwd: fatal: password longer than 256 bytes"
status "a password of 256 bytes: 0" 0 sh -c "head -c 256 /dev/zero | tr '\\0' a | smtp-auth-passwd >/dev/null"
timeout 30 python3 - > pty.txt <<'PY'
import os, pty, select, signal, time
pid, fd = pty.fork()
if pid == 0:
    os.execvp("smtp-auth-passwd", ["smtp-auth-passwd"])
out = b""
def read_until(token):
    global out
    end = time.time() + 5
    while token not in out and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try: out += os.read(fd, 1024)
            except OSError: break
read_until(b"Password: "); os.write(fd, b"hunter2\n")
read_until(b"Again: "); os.write(fd, b"hunter2\n")
read_until(b"$y$")
time.sleep(0.2)
try: out += os.read(fd, 1024)
except OSError: pass
for i in range(50):
    done, st = os.waitpid(pid, os.WNOHANG)
    if done: break
    time.sleep(0.1)
else:
    os.kill(pid, signal.SIGKILL); _, st = os.waitpid(pid, 0)
print("exit=%d echoed=%s hash=%s" % (os.waitstatus_to_exitcode(st), b"hunter2" in out, b"$y$" in out))
PY
same "on a terminal: prompts twice, no echo" "$(cat pty.txt)" "exit=0 echoed=False hash=True"
finish
