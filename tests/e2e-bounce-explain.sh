#!/bin/sh
# bounce-explain through its real interface (argv, files, stdin, CONTROLDIR,
# the locale variables, exit code). Our own notices (bounce-fmt's golden
# files and a notice per reason qmail-remote and qmail-local give), real
# qmail-send and foreign notices from Sisimai's set of emails (origin in
# tests/golden/explain/README.md) checked against what Sisimai itself
# reads in them, the English and Japanese texts of every class against
# reviewed golden files, and hostile input.
. "$(dirname "$0")/lib.sh"
G=$TOP/tests/golden/explain
GB=$TOP/tests/golden/bounce
bounce_control
unset LC_ALL LC_MESSAGES LANG LANGUAGE
OUT=$SCRATCH/out ERR=$SCRATCH/err

# golden DESCRIPTION EXPECTED_FILE ACTUAL_FILE
golden() {
  if cmp -s "$2" "$3"; then ok "$1"; else
    not_ok "$1"; diff "$2" "$3" | sed 's/^/#   /' | head -20; fi
}
# json FILE KEY: the key's value of each line, one a line (true/false/null as JSON)
json() {
  python3 -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    v = json.loads(line)[sys.argv[2]]
    print(json.dumps(v) if v is None or isinstance(v, bool) else v)' "$1" "$2"
}

# --- usage ------------------------------------------------------------------
bounce-explain --help > "$OUT" 2> "$ERR"; got $? 0 "--help exits 0"
contains "--help prints the usage on descriptor 1" "$OUT" '^usage: bounce-explain \[-j\]'
bounce-explain -x < /dev/null > "$OUT" 2> "$ERR"; got $? 100 "an unknown option exits 100"
contains "an unknown option is named" "$ERR" '^bounce-explain: fatal: unknown option -x; usage:'

# --- our own notices: bounce-fmt's golden files -------------------------------
# Text in English and Japanese, and JSON, byte for byte; reviewed by hand.
bounce-explain "$GB/faq.expected" > "$OUT" 2> "$ERR"; got $? 0 "the FAQ's notice is explained"
golden "the FAQ's notice in English" "$G/ours/faq.en" "$OUT"
LANG=ja_JP.UTF-8 bounce-explain "$GB/faq.expected" > "$OUT" 2> "$ERR"
golden "the FAQ's notice in Japanese" "$G/ours/faq.ja" "$OUT"
for n in faq single remote double blanklines dsn-remote; do
  bounce-explain -j < "$GB/$n.expected" > "$OUT" 2> "$ERR"; got $? 0 "golden $n.expected is explained"
  golden "golden $n.expected as JSON" "$G/ours/$n.json" "$OUT"
done
LANG=ja_JP.UTF-8 bounce-explain < "$GB/double.expected" > "$OUT" 2> "$ERR"
golden "a double bounce in Japanese" "$G/ours/double.ja" "$OUT"

# One notice with a recipient of every class: the texts of each class in
# both languages, reviewed against the golden files.
bounce-fmt user@example.org \
  nobody@domain.jp 'Sorry, no mailbox here by that name. (#5.1.1)' \
  abc@domaint.jp "Sorry, I couldn't find any host named domaint.jp. (#5.1.2)" \
  full@example.net '192.0.2.25 does not like recipient.
Remote host said: 552 5.2.2 <full@example.net>: Mailbox full
Giving up on 192.0.2.25.
' spam@example.net '192.0.2.25 failed after I sent the message.
Remote host said: 554 5.7.1 Message rejected as spam
' dmarc@example.com "192.0.2.26 failed after I sent the message.
Remote host said: 550-5.7.26 Unauthenticated email from example.org is not accepted due to domain's
550 5.7.26 DMARC policy.
" big@example.net '192.0.2.25 failed on DATA command.
Remote host said: 552 5.3.4 Message size exceeds fixed maximum message size
' slow@domain.jp 'Sorry, no SMTP connection got far enough; most progress was no connection
to remote host 192.0.2.1. (#5.5.0)
' loop@domain.jp 'This message is looping: it already has my Delivered-To line. (#5.4.6)' \
  later@example.net "Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)
I'm not going to try again; this message has been in the queue too long.
" < "$GB/message.in" > "$SCRATCH/classes.eml"
bounce-explain "$SCRATCH/classes.eml" > "$OUT" 2> "$ERR"
golden "every class in English" "$G/ours/classes.en" "$OUT"
LC_ALL=ja_JP.UTF-8 bounce-explain "$SCRATCH/classes.eml" > "$OUT" 2> "$ERR"
golden "every class in Japanese" "$G/ours/classes.ja" "$OUT"
bounce-explain -j "$SCRATCH/classes.eml" > "$OUT" 2> "$ERR"
same "every class: the classes" "$(json "$OUT" class | tr '\n' ' ')" \
  "user_unknown host_unknown mailbox_full policy authentication too_large timeout other timeout "

# --- every reason qmail-remote and qmail-local give (qmail-bounce.md) --------
# reason ADDRESS STATUS CLASS PERMANENT REPORT: as qmail's text and as -d.
reason() {
  addr=$1 want_status=$2 want_class=$3 want_permanent=$4 report=$5
  for opt in '' -d; do
    bounce-fmt $opt user@example.org "$addr" "$report" < "$GB/message.in" > "$SCRATCH/r.eml"
    bounce-explain -j "$SCRATCH/r.eml" > "$OUT" 2> "$ERR"
    same "$addr ${opt:-qmail}: address, status, class, permanent, from this host" \
      "$(json "$OUT" address) $(json "$OUT" status) $(json "$OUT" class) $(json "$OUT" permanent) $(json "$OUT" from_this_host)" \
      "$addr $want_status $want_class $want_permanent true"
  done
}
reason a@domain.jp 5.1.1 user_unknown true 'Sorry, no mailbox here by that name. (#5.1.1)'
reason b@domaint.jp 5.1.2 host_unknown true "Sorry, I couldn't find any host named domaint.jp. (#5.1.2)"
reason c@nomx.example 5.4.4 host_unknown true "Sorry, I couldn't find a mail exchanger or IP address. (#5.4.4)"
reason d@example.net 4.4.1 timeout false "Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)"
reason e@example.net 4.4.1 timeout false "Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)
I'm not going to try again; this message has been in the queue too long.
"
reason f@domain.jp 5.1.3 host_unknown true 'Sorry, address must include host name. (#5.1.3)'
reason g@domain.jp 5.4.6 other true 'This message is looping: it already has my Delivered-To line. (#5.4.6)'
reason h@example.net 5.1.1 user_unknown true '192.0.2.1 does not like recipient.
Remote host said: 550 5.1.1 <h@example.net>: Recipient address rejected: User unknown
Giving up on 192.0.2.1.
'
reason i@example.net 5.7.1 policy true 'Connected to 192.0.2.1 but greeting failed.
Remote host said: 554 5.7.1 Your address is listed at a DNSBL
'
reason j@example.net 5.0.0 policy true 'Connected to 192.0.2.1 but my name was rejected.
Remote host said: 501 Invalid domain name
'
reason k@example.net 5.1.8 policy true 'Connected to 192.0.2.1 but sender was rejected.
Remote host said: 553 5.1.8 Domain of sender address does not exist
'
reason l@example.net 5.3.4 too_large true '192.0.2.1 failed on DATA command.
Remote host said: 552 5.3.4 Message size exceeds fixed limit
'
reason m@example.net 5.7.1 policy true '192.0.2.1 failed after I sent the message.
Remote host said: 554 5.7.1 Message rejected as spam
'
reason n@gmail.example 5.7.26 authentication true '192.0.2.1 failed after I sent the message.
Remote host said: 550-5.7.26 This mail has been blocked because the sender is unauthenticated.
550 5.7.26 Gmail requires all senders to authenticate with either SPF or DKIM.
'
reason o@domain.jp 5.5.0 timeout true 'Sorry, no SMTP connection got far enough; most progress was no connection
to remote host 192.0.2.1. (#5.5.0)
'
reason p@domain.jp 4.3.0 mailbox_full false 'user is over quota: disk quota exceeded. (#4.3.0)'
reason q@domain.jp 4.2.2 mailbox_full false '192.0.2.1 does not like recipient.
Remote host said: 452 4.2.2 Mailbox full
Giving up on 192.0.2.1.
'

# --- real notices: Sisimai's set of emails -------------------------------------
# tests/golden/explain/sisimai/expected is what Sisimai 4.25.15 (Debian's
# libsisimai-perl) reads in each sample: address, status, reason. The
# installed Sisimai must still read that; ours must find the same
# addresses, the same status (unless Sisimai's is one of its own x.0.9xx
# codes for a notice that has none) and a class that agrees with Sisimai's
# reason (the table in README.md).
S=$G/sisimai
if perl -MSisimai -e 1 2>/dev/null; then
  cat > "$SCRATCH/sisimai.pl" <<'PL'
use strict; use warnings; use Sisimai;
for my $f (@ARGV) {
  my $v = Sisimai->make($f, delivered => 0) // [];
  (my $name = $f) =~ s{.*/}{};
  printf "%s %s %s %s\n", $name, $_->recipient->address, $_->deliverystatus, $_->reason for @$v;
}
PL
  perl "$SCRATCH/sisimai.pl" "$S"/*.eml > "$SCRATCH/sisimai.now" 2>/dev/null
  golden "the installed Sisimai reads the samples as recorded" "$S/expected" "$SCRATCH/sisimai.now"
else
  not_ok "Sisimai is installed (apt-get install libsisimai-perl)"
fi
CONTROLDIR=$SCRATCH/none bounce-explain -j "$S"/*.eml > "$SCRATCH/ours.json" 2> "$ERR"
got $? 0 "every sample is explained"
python3 - "$S/expected" "$SCRATCH/ours.json" > "$SCRATCH/verdicts" <<'PY'
import json, sys
# Sisimai's reasons and the classes that agree with them (README.md).
agree = {
    'userunknown': {'user_unknown'}, 'hostunknown': {'host_unknown'},
    'mailboxfull': {'mailbox_full'}, 'mesgtoobig': {'too_large'}, 'exceedlimit': {'too_large'},
    'expired': {'timeout'}, 'networkerror': {'timeout', 'host_unknown'},
    'toomanyconn': {'timeout', 'policy'}, 'onhold': {'timeout', 'other'},
    'filtered': {'policy'}, 'blocked': {'policy', 'authentication'},
    'rejected': {'policy', 'authentication'}, 'spamdetected': {'policy'},
    'policyviolation': {'policy', 'authentication'}, 'norelaying': {'policy'},
    'virusdetected': {'policy'}, 'contenterror': {'policy'},
    'securityerror': {'policy', 'authentication'},
    'suspend': {'other'}, 'hasmoved': {'other'}, 'systemerror': {'other'},
    'systemfull': {'other'}, 'mailererror': {'other'}, 'syntaxerror': {'other'},
    'notaccept': {'other', 'host_unknown'}, 'undefined': {'other'},
}
want = {}
for line in open(sys.argv[1]):
    f, addr, status, reason = line.split()
    want.setdefault(f, []).append((addr, status, reason))
ours = {}
for line in open(sys.argv[2], encoding='utf-8'):
    o = json.loads(line)
    ours.setdefault(o['file'].rsplit('/', 1)[-1], {})[o['address'].lower()] = o
for f in sorted(want):
    problems = []
    got = ours.get(f, {})
    for addr, status, reason in want[f]:
        o = got.get(addr.lower())
        if o is None:
            problems.append('no %s' % addr)
            continue
        pseudo = int(status.split('.')[2]) >= 900
        if not pseudo and o['status'] != status:
            problems.append('%s status %s, Sisimai %s' % (addr, o['status'], status))
        if o['class'] not in agree[reason]:
            problems.append('%s class %s, Sisimai %s' % (addr, o['class'], reason))
    extra = set(got) - {a.lower() for a, _, _ in want[f]}
    if extra:
        problems.append('more recipients: %s' % ' '.join(sorted(extra)))
    print(f, 'agrees' if not problems else '; '.join(problems))
PY
while read -r f verdict; do
  if [ "$verdict" = agrees ]; then ok "sample $f agrees with Sisimai"; else not_ok "sample $f: $verdict"; fi
done < "$SCRATCH/verdicts"
same "every sample was compared" "$(wc -l < "$SCRATCH/verdicts" | tr -d ' ')" \
  "$(cut -d' ' -f1 "$S/expected" | sort -u | wc -l | tr -d ' ')"
same "every sample named in expected is in the folder" "$(ls "$S"/*.eml | wc -l | tr -d ' ')" \
  "$(cut -d' ' -f1 "$S/expected" | sort -u | wc -l | tr -d ' ')"
# A real qmail-send notice, the other server's: not from this host.
bounce-explain -j "$S/lhost-qmail-02.eml" > "$OUT" 2> "$ERR"
same "another host's qmail-send notice is not from this host" "$(json "$OUT" from_this_host | sort -u)" false
contains "another host's notice: the explanation says so" "$OUT" 'did not come from this server'

# --- language ------------------------------------------------------------------------
lang_of() { env "$@" bounce-explain "$GB/single.expected" 2>/dev/null | head -n 1 | cut -d' ' -f1; }
same "no locale variable: English" "$(lang_of)" "Recipient:"
same "LANG=ja_JP.UTF-8: Japanese" "$(lang_of LANG=ja_JP.UTF-8)" "宛先:"
same "LANG=ja (no generated locale needed): Japanese" "$(lang_of LANG=ja)" "宛先:"
same "LC_MESSAGES=ja_JP.eucJP over LANG=C: Japanese" "$(lang_of LANG=C LC_MESSAGES=ja_JP.eucJP)" "宛先:"
same "LC_ALL=C over LANG=ja_JP.UTF-8: English" "$(lang_of LANG=ja_JP.UTF-8 LC_ALL=C)" "Recipient:"
same "an empty LC_ALL is skipped: Japanese from LANG" "$(lang_of LC_ALL= LANG=ja_JP.UTF-8)" "宛先:"
same "LANG=en_US.UTF-8: English" "$(lang_of LANG=en_US.UTF-8)" "Recipient:"

# --- from this host -----------------------------------------------------------------------
from_host() { bounce-explain -j "$1" 2>"$ERR" | head -n 1 > "$OUT"; json "$OUT" from_this_host; }
same "our notice, control/me names us: from this host" "$(from_host "$GB/single.expected")" true
mkdir "$SCRATCH/other" && echo other.example > "$SCRATCH/other/me"
same "our notice, control/me names another host: not from this host" \
  "$(CONTROLDIR=$SCRATCH/other from_host "$GB/single.expected")" false
mkdir "$SCRATCH/bh" && echo other.example > "$SCRATCH/bh/me" && echo mail.example.jp > "$SCRATCH/bh/bouncehost"
same "control/bouncehost is what qmail-send writes in From: from this host" \
  "$(CONTROLDIR=$SCRATCH/bh from_host "$GB/single.expected")" true
sed 's/^Subject: failure notice$/Subject: failure notice (forwarded)/' "$GB/single.expected" > "$SCRATCH/fwd.eml"
same "another Subject: not from this host" "$(from_host "$SCRATCH/fwd.eml")" false
same "no control directory: origin unknown (null)" "$(CONTROLDIR=$SCRATCH/none from_host "$GB/single.expected")" null
contains "no control directory: one warning" "$ERR" '^bounce-explain: warning: no control directory'
mkdir "$SCRATCH/broken" && mkdir "$SCRATCH/broken/me"
CONTROLDIR=$SCRATCH/broken bounce-explain "$GB/single.expected" > "$OUT" 2> "$ERR"
got $? 111 "an unreadable control/me exits 111"
contains "an unreadable control/me is logged" "$ERR" '^bounce-explain: fatal: unable to read control file'

# --- exit codes -----------------------------------------------------------------------------
printf 'From: a@example.org\nSubject: hello\n\nJust a letter.\n' > "$SCRATCH/letter"
bounce-explain < "$SCRATCH/letter" > "$OUT" 2> "$ERR"; got $? 100 "a letter is not a notice: exit 100"
contains "a letter: the reader is told" "$OUT" 'not a failure notice'
contains "a letter: logged" "$ERR" '^bounce-explain: not a failure notice this program can read file=-$'
bounce-explain -j < "$SCRATCH/letter" > "$OUT" 2> "$ERR"; got $? 100 "-j, a letter: exit 100"
same "-j, a letter: nothing on descriptor 1" "$(wc -c < "$OUT" | tr -d ' ')" 0
bounce-explain -j "$GB/single.expected" "$SCRATCH/letter" "$SCRATCH/missing" "$GB/faq.expected" > "$OUT" 2> "$ERR"
got $? 111 "a missing file among others: exit 111, the worst"
same "the others are still explained" "$(json "$OUT" file | sed 's|.*/||' | tr '\n' ' ')" \
  "single.expected faq.expected faq.expected faq.expected "
contains "the missing file is logged" "$ERR" "^bounce-explain: warning: unable to open file=.*missing: No such file"
bounce-explain "$GB/single.expected" "$GB/faq.expected" > "$OUT" 2> "$ERR"; got $? 0 "two notices: exit 0"
same "two notices: each under its name" "$(grep -c '^==> .* <==$' "$OUT")" 2
cat > "$SCRATCH/delay" <<'EOF'
From: MAILER-DAEMON@mx.example.net
Subject: Delayed Mail (still being retried)
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

Your message has not been delivered yet.

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; slow@example.com
Action: delayed
Status: 4.4.1

--b--
EOF
bounce-explain < "$SCRATCH/delay" > "$OUT" 2> "$ERR"; got $? 100 "a delay warning: exit 100"
contains "a delay warning: the reader is told" "$OUT" 'delay warning, not a failure notice'
LANG=ja_JP.UTF-8 bounce-explain < "$SCRATCH/delay" > "$OUT" 2> "$ERR"
contains "a delay warning in Japanese" "$OUT" '配送遅延のお知らせ'
echo | bounce-explain > /dev/null 2> "$ERR" <&-; got $? 111 "descriptor 0 closed: exit 111"
bounce-explain "$GB/single.expected" >&- 2> "$ERR"; got $? 111 "descriptor 1 closed: exit 111"
if [ -w /dev/full ]; then
  bounce-explain "$GB/single.expected" > /dev/full 2> "$ERR"; got $? 111 "a failed write: exit 111"
fi

# --- hostile input ----------------------------------------------------------------------------
# limit: run with at most 100 MB of address space. A sanitizer build
# cannot run under ulimit -v: there no one allocation may exceed 100 MB
# (ASan's max_allocation_size_mb), and the normal build checks the bound.
limited() {
  if [ -n "$SANITIZED" ]; then
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}max_allocation_size_mb=100 bounce-explain "$@"
  else
    (ulimit -v 100000; exec bounce-explain "$@")
  fi
}
python3 -c 'import sys; sys.stdout.write("X" * (8 << 20))' > "$SCRATCH/longline"
limited < "$SCRATCH/longline" > "$OUT" 2> "$ERR"; got $? 100 "an 8 MB line, no header: exit 100 in bounded memory"
head -c 4194304 /dev/urandom > "$SCRATCH/binary"
limited "$SCRATCH/binary" > "$OUT" 2> "$ERR"; got $? 100 "4 MB of random bytes: exit 100"
python3 - "$SCRATCH/nested" <<'PY'
import sys
depth = 20000
out = ['Content-Type: multipart/mixed; boundary="b0"\n\n']
for i in range(1, depth):
    out.append('--b%d\nContent-Type: multipart/mixed; boundary="b%d"\n\n' % (i - 1, i))
out.append('--b%d\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; deep@example.com\nAction: failed\nStatus: 5.1.1\n' % (depth - 1))
open(sys.argv[1], 'w').write(''.join(out))
PY
limited "$SCRATCH/nested" > "$OUT" 2> "$ERR"; got $? 100 "MIME nested 20000 deep: not read past the limit, exit 100"
python3 - "$SCRATCH/shallow" <<'PY'
import sys
out = ['From: MAILER-DAEMON@mx.example.net\nContent-Type: multipart/report; boundary="b0"\n\n']
for i in range(1, 6):
    out.append('--b%d\nContent-Type: multipart/mixed; boundary="b%d"\n\n' % (i - 1, i))
out.append('--b5\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; deep@example.com\nAction: failed\nStatus: 5.1.1\n')
open(sys.argv[1], 'w').write(''.join(out))
PY
bounce-explain -j "$SCRATCH/shallow" > "$OUT" 2> "$ERR"
same "MIME nested 6 deep (within the limit) is read" "$(json "$OUT" address)" deep@example.com
python3 - "$SCRATCH/parts" <<'PY'
import sys
out = ['Content-Type: multipart/report; boundary="b"\n\n']
out += ['--b\nContent-Type: text/plain\n\nx\n'] * 200000
open(sys.argv[1], 'w').write(''.join(out))
PY
limited "$SCRATCH/parts" > "$OUT" 2> "$ERR"; got $? 100 "200000 MIME parts: exit 100 in bounded memory"
python3 - "$SCRATCH/fields" <<'PY'
import sys
open(sys.argv[1], 'w').write('X-A: b\n' * 500000 + '\nHi.\n')
PY
limited "$SCRATCH/fields" > "$OUT" 2> "$ERR"; got $? 100 "500000 header fields: exit 100 in bounded memory"
# The report after the first 1 MiB is not read (the documented cap).
{ printf 'From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\nX-Pad: '
  python3 -c 'import sys; sys.stdout.write("p" * (1 << 20))'
  printf '\n\n'; sed -n '/^Hi\./,$p' "$GB/single.expected"; } > "$SCRATCH/late"
bounce-explain < "$SCRATCH/late" > "$OUT" 2> "$ERR"; got $? 100 "a report after the first 1 MiB is not read"
# A bounce inside the returned message is not the notice's.
{ printf 'From: someone@example.org\nSubject: fwd\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nSee attached.\n\n--b\nContent-Type: message/rfc822\n\n'
  cat "$GB/single.expected"; printf '\n--b--\n'; } > "$SCRATCH/forwarded"
bounce-explain < "$SCRATCH/forwarded" > "$OUT" 2> "$ERR"; got $? 100 "a notice inside a returned message is not read"
# Hostile bytes in a notice: escapes, NUL, a bidirectional override, bytes
# that are not UTF-8, quotes and backslashes, a command for an address.
printf 'From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\n\nHi. This is the qmail-send program at mx.example.net.\n\n<"q\\\\x"@example.com>:\nRemote host said: 550 5.1.1 \033]0;owned\007 \000nul \342\200\256evil \377\376 "quoted" \\back\n\n<|touch %s/pwned@example.com>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n--- Below this line is a copy of the message.\n\n' "$SCRATCH" > "$SCRATCH/hostile"
bounce-explain -j < "$SCRATCH/hostile" > "$OUT" 2> "$ERR"; got $? 0 "hostile bytes: explained"
check "hostile bytes: every line is valid JSON and UTF-8" python3 -c '
import json, sys
for line in open(sys.argv[1], "rb"):
    text = line.decode("utf-8")
    o = json.loads(text)
    for v in o.values():
        if isinstance(v, str) and any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f or 0x202a <= ord(c) <= 0x202e for c in v):
            sys.exit("control character in %r" % v)' "$OUT"
lacks "hostile bytes: no escape byte reaches the output" "$OUT" "$(printf '\033')"
contains "hostile bytes: bytes that are not UTF-8 become U+FFFD" "$OUT" '�'
check "hostile bytes: the command in an address is not run" test ! -e "$SCRATCH/pwned@example.com"
bounce-explain < "$SCRATCH/hostile" > "$OUT" 2> "$ERR"
check "hostile bytes, text: valid UTF-8 without control characters" python3 -c '
import sys
text = open(sys.argv[1], "rb").read().decode("utf-8")
sys.exit(any(ord(c) < 0x20 and c != "\n" or 0x7f <= ord(c) <= 0x9f for c in text))' "$OUT"
finish
