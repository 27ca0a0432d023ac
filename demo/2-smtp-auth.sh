#!/bin/sh
# The README's demonstration, part 2: SMTP AUTH instead of POP-before-SMTP.
# Run from the top of the tree after `make`. Loopback only; cleans up.
#
# The FAQ tells customers: send without fetching mail first by using
# SMTP-AUTH (Q7.3, Q9), and if your ISP blocks port 25, use the submission
# port 587, which requires it (Q4, Q10). This story follows the sysadmin
# who makes those answers true with smtp-auth-checkpassword.
. "$(dirname "$0")/../tests/lib.sh"
for tool in tcpserver python3; do
  command -v $tool >/dev/null || { echo "demo: needs $tool (tests/setup installs it)" >&2; exit 111; }
done
work=$SCRATCH
cd "$work" || exit 111
# shown COMMAND: the command, then what it printed, indented. (Descriptor
# 2 goes to a file of its own: our programs send their lines to syslog
# when descriptor 2 is the same file as 1.)
shown() { printf '  $ %s\n' "$*"; sh -c "$*" > out 2> err; cat out err | show; }

say "" "== SMTP AUTH: sending without the POP dance (FAQ Q7.3, Q9, Q4, Q10) =="
say "" "Our customer alice@example.com travels. Her ISP blocks port 25, and her \
mail program sends before it receives, so POP-before-SMTP keeps failing. \
The FAQ's answer: authenticate to the SMTP server itself, on port 587."

say "" "1. The users file is Dovecot's passwd-file layout. smtp-auth-passwd makes \
the secret: yescrypt by default, or a {CRAM-MD5} context for clients that \
use CRAM-MD5 (it never stores the plaintext)."
printf 'alice@example.com:%s\n' "$(echo 'correct horse' | smtp-auth-passwd -s cram-md5)" > users
printf 'bob@example.com:%s\n' "$(echo 'battery staple' | smtp-auth-passwd)" >> users
printf 'mallory@example.com:!locked-by-abuse-desk\n' >> users
shown "cut -c1-60 users"

say "" "2. smtp-auth-mkdb compiles it into a cdb, atomically: a typo never \
leaves the server without users."
shown "smtp-auth-mkdb users.cdb users.tmp < users && echo compiled"
printf 'carol@example.com\nbob@example.com:{PLAIN}again\n' >> users
shown "smtp-auth-mkdb users.cdb users.tmp < users; echo exit \$?"
say "" "The bad lines are named, and the previous database stays in service."

say "" "3. Port 587 runs qmail-smtpd with the AUTH patch, which hands the \
credentials to smtp-auth-checkpassword on descriptor 3 (here a small \
stand-in speaks the patch's side of SMTP, writing the exact bytes the real \
patch writes). Failures are throttled per address, per address and user, \
and per user."
mkdir state
cat > submission <<'PY'
import base64, hmac, os, subprocess, sys, time
def out(s): sys.stdout.write(s + "\r\n"); sys.stdout.flush()
def check(fields, method):
    r, w = os.pipe()
    os.write(w, b"".join(f + b"\0" for f in fields)); os.close(w)
    env = dict(os.environ, SMTPAUTH="+cram")
    p = subprocess.run(["smtp-auth-checkpassword", "/bin/true"], pass_fds=(r,), env=env,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open("auth.log", "ab"),
                       preexec_fn=lambda: (os.dup2(r, 3), None)[1])
    os.close(r); return p.returncode
out("220 mail.example.com ESMTP")
authed = False
for line in sys.stdin:
    cmd = line.strip(); verb = cmd.split(" ")[0].upper()
    if verb == "EHLO": out("250-mail.example.com"); out("250 AUTH LOGIN PLAIN CRAM-MD5")
    elif verb == "AUTH":
        mech = cmd.split(" ")[1].upper(); args = cmd.split(" ")[2:]
        if mech == "PLAIN":
            if not args: out("334 "); args = [sys.stdin.readline().strip()]
            _, user, pw = base64.b64decode(args[0]).split(b"\0", 2); fields = [user, pw, b""]
        elif mech == "LOGIN":
            if args: user = base64.b64decode(args[0])
            else: out("334 VXNlcm5hbWU6"); user = base64.b64decode(sys.stdin.readline().strip())
            out("334 UGFzc3dvcmQ6"); pw = base64.b64decode(sys.stdin.readline().strip()); fields = [user, pw, b""]
        else:
            chal = b"<%d.%d@mail.example.com>" % (os.getpid(), int(time.time()))
            out("334 " + base64.b64encode(chal).decode())
            user, digest = base64.b64decode(sys.stdin.readline().strip()).rsplit(b" ", 1)
            fields = [user, digest, chal]
        if check(fields, mech) == 0: authed = True; out("235 ok, go ahead (#2.0.0)")
        else: out("535 authorization failed (#5.7.0)")
    elif verb == "MAIL": out("250 ok" if authed else "530 authentication required (#5.7.1)")
    elif verb == "QUIT": out("221 bye"); break
    else: out("250 ok")
PY
port=$(free_port)
CHKPW_USERS=$work/users.cdb CHKPW_STATE=$work/state CHKPW_MAXFAIL=3 \
  tcpserver -q 127.0.0.1 "$port" python3 "$work/submission" 2>/dev/null &
CLEANUP_PIDS="$CLEANUP_PIDS $!"
wait_port $port

cat > client <<'PY'
import smtplib, sys
port, mech, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s = smtplib.SMTP("127.0.0.1", port); s.ehlo("laptop")
try:
    if mech == "none":
        code, msg = s.mail("alice@example.com"); print("MAIL FROM without AUTH:", code, msg.decode())
    else:
        s.user, s.password = user, pw
        code, msg = s.auth(mech, getattr(s, "auth_" + mech.lower().replace("-", "_")))
        print("AUTH %s as %s:" % (mech, user), code, msg.decode())
except smtplib.SMTPAuthenticationError as e:
    print("AUTH %s as %s:" % (mech, user), e.smtp_code, e.smtp_error.decode())
s.quit()
PY
c() { python3 client "$port" "$@" | show; }
say "" "Without AUTH, port 587 refuses to take mail:"
c none - -
say "" "alice authenticates with CRAM-MD5 (her password never crosses the wire), \
bob with PLAIN:"
c CRAM-MD5 alice@example.com 'correct horse'
c PLAIN bob@example.com 'battery staple'
say "" "A guesser tries bob's account from the same address. After 3 failures \
(CHKPW_MAXFAIL) even the right password is refused until the lockout ends, \
without the password being looked at:"
c LOGIN bob@example.com guess1
c LOGIN bob@example.com guess2
c LOGIN bob@example.com guess3
c LOGIN bob@example.com 'battery staple'
say "" "The account locked by the abuse desk never logs in:"
c PLAIN mallory@example.com '!locked-by-abuse-desk'

say "" "4. One line per attempt, the same shape fail2ban's filter \
(smtp-auth-checkpassword/fail2ban/) matches; never a password:"
show < auth.log
say "" "smtp-auth-throttle shows what is locked, and clears it when bob calls \
the help desk:"
shown "CHKPW_STATE=$work/state CHKPW_MAXFAIL=3 smtp-auth-throttle"
shown "CHKPW_STATE=$work/state smtp-auth-throttle -c 127.0.0.1/bob@example.com"
c PLAIN bob@example.com 'battery staple'
say "" "That is FAQ Q9 and Q10 made true: customers send from anywhere on 587 with \
their own password; strangers cannot relay, and guessing is throttled."
exit 0
