#!/bin/sh
# The notices bounce-fmt writes, read by the parsers that matter: the real
# Sisimai (Debian's libsisimai-perl) must return the recipient, the status
# and the reason we meant, and ezmlm-return's QSBMF rule (the first 15
# bytes of the body, the "<addr>:" paragraphs up to a "-" paragraph) must
# find every recipient. Both for qmail's text and for -d.
. "$(dirname "$0")/lib.sh"
G=$TOP/tests/golden/bounce
bounce_control

if ! perl -MSisimai -e 1 2>/dev/null; then
  not_ok "Sisimai is installed (apt-get install libsisimai-perl)"; finish
fi
cat > "$SCRATCH/sisimai.pl" <<'PL'
# One line per bounce record: address status reason parser
use strict; use warnings; use Sisimai;
my $records = Sisimai->make($ARGV[0], 'delivered' => 1) // [];
printf "%s %s %s %s\n", $_->recipient->address, $_->deliverystatus, $_->reason, $_->smtpagent
  for @$records;
PL
cat > "$SCRATCH/qsbmf.py" <<'PY'
# ezmlm-return's QSBMF reading: body starts "Hi. This is the"; paragraphs
# are lines up to a blank line; "<addr>:" paragraphs give addresses; a
# paragraph starting with "-" ends the list. Prints the addresses, one a
# line; exits 1 when the notice is not QSBMF.
import sys
data = open(sys.argv[1], 'rb').read()
head, sep, body = data.partition(b'\n\n')
if not sep or body[:15] != b'Hi. This is the':
    sys.exit('not QSBMF: body starts %r' % body[:15])
paragraphs, current = [], []
for line in body.split(b'\n'):
    if line == b'':
        if current: paragraphs.append(current)
        current = []
    else:
        current.append(line)
found_break = False
for p in paragraphs[1:]:
    if p[0].startswith(b'-'):
        found_break = True
        break
    if p[0].startswith(b'<') and p[0].endswith(b'>:'):
        sys.stdout.buffer.write(p[0][1:-2] + b'\n')
if not found_break:
    sys.exit('not QSBMF: no break paragraph')
PY

# expect_sisimai FILE DESCRIPTION "addr status reason"...: exactly these
# records, in this order (the parser module is not compared).
expect_sisimai() {
  file=$1 d=$2; shift 2
  got=$(perl "$SCRATCH/sisimai.pl" "$file" 2>&1 | cut -d' ' -f1-3)
  want=$(printf '%s\n' "$@")
  same "Sisimai reads $d" "$got" "$want"
}
expect_qsbmf() {
  file=$1 d=$2; shift 2
  got=$(python3 "$SCRATCH/qsbmf.py" "$file" 2>&1)
  want=$(printf '%s\n' "$@")
  same "ezmlm-return's QSBMF rule reads $d" "$got" "$want"
}

for mode in qmail dsn; do
  opt=; [ $mode = dsn ] && opt=-d
  out=$SCRATCH/faq.$mode
  bounce-fmt $opt user@example.org abc@domain.jp 'Sorry, no mailbox here by that name. (#5.1.1)' \
    abc@domaint.jp "Sorry, I couldn't find any host named domaint.jp. (#5.1.2)" \
    def@domain.jp 'Sorry, no SMTP connection got far enough; most progress was no connection
to remote host 192.0.2.1. (#5.5.0)
' < "$G/message.in" > "$out"
  expect_sisimai "$out" "the FAQ's #5.1.1, #5.1.2, #5.5.0 ($mode)" \
    'abc@domain.jp 5.1.1 userunknown' 'abc@domaint.jp 5.1.2 hostunknown' 'def@domain.jp 5.5.0 onhold'
  expect_qsbmf "$out" "the FAQ's bounces ($mode)" abc@domain.jp abc@domaint.jp def@domain.jp

  out=$SCRATCH/remote.$mode
  bounce-fmt $opt user@example.org someone@example.net '192.0.2.25 does not like recipient.
Remote host said: 550 5.1.1 <someone@example.net>: Recipient address rejected
Giving up on 192.0.2.25.
' full@example.net "Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)
I'm not going to try again; this message has been in the queue too long.
" quota@domain.jp 'user is over quota: disk quota exceeded. (#4.3.0)' \
    nomx@example.com "Sorry, I couldn't find a mail exchanger or IP address. (#5.4.4)" \
    < "$G/message.in" > "$out"
  expect_sisimai "$out" "remote, network, quota and MX failures ($mode)" \
    'someone@example.net 5.1.1 userunknown' 'full@example.net 4.4.1 networkerror' \
    'quota@domain.jp 4.3.0 mailboxfull' 'nomx@example.com 5.4.4 hostunknown'
  expect_qsbmf "$out" "remote failures ($mode)" someone@example.net full@example.net quota@domain.jp nomx@example.com

  # A double bounce: Sisimai reports the recipients of the bounce inside
  # too (qmail-bounce.md); ours must be first.
  out=$SCRATCH/double.$mode
  bounce-fmt $opt '' gone@example.org 'Sorry, no mailbox here by that name. (#5.1.1)' < "$G/bounce.in" > "$out"
  got=$(perl "$SCRATCH/sisimai.pl" "$out" | head -n 1 | cut -d' ' -f1-3)
  same "Sisimai reads a double bounce ($mode)" "$got" 'gone@example.org 5.1.1 userunknown'
  expect_qsbmf "$out" "a double bounce ($mode)" gone@example.org

  # bouncemaxbytes: a cut copy (qmail) or headers only (-d) still parse.
  mkdir -p "$SCRATCH/cut" && echo mail.example.jp > "$SCRATCH/cut/me" && echo 100 > "$SCRATCH/cut/bouncemaxbytes"
  out=$SCRATCH/cut.$mode
  CONTROLDIR=$SCRATCH/cut bounce-fmt $opt user@example.org abc@domain.jp 'Sorry, no mailbox here by that name. (#5.1.1)' \
    < "$G/message.in" > "$out"
  expect_sisimai "$out" "a notice with bouncemaxbytes ($mode)" 'abc@domain.jp 5.1.1 userunknown'
  expect_qsbmf "$out" "a notice with bouncemaxbytes ($mode)" abc@domain.jp
done

# Every golden notice parses too.
qsbmf_accepts() { python3 "$SCRATCH/qsbmf.py" "$1" > /dev/null; }
for f in "$G"/*.expected; do
  n=$(perl "$SCRATCH/sisimai.pl" "$f" | wc -l)
  check "Sisimai finds recipients in golden ${f##*/}" [ "$n" -ge 1 ]
  check "QSBMF rule accepts golden ${f##*/}" qsbmf_accepts "$f"
done

# The delivery-status part on its own: with a Subject that Sisimai's qmail
# module does not claim, its RFC 3464 parser reads part 2. The status
# fields come back; the reasons come from Status and Diagnostic-Code (a
# 4.4.1 that qmail gave up on is "expired" to this parser).
for n in faq remote; do
  sed 's/^Subject: failure notice$/Subject: Delivery Status Notification/' "$SCRATCH/$n.dsn" > "$SCRATCH/$n.rfc3464"
done
got=$(perl "$SCRATCH/sisimai.pl" "$SCRATCH/faq.rfc3464")
same "Sisimai's RFC 3464 parser reads the FAQ DSN" "$got" "$(printf '%s\n' \
  'abc@domain.jp 5.1.1 userunknown RFC3464' 'abc@domaint.jp 5.1.2 hostunknown RFC3464' 'def@domain.jp 5.5.0 onhold RFC3464')"
got=$(perl "$SCRATCH/sisimai.pl" "$SCRATCH/remote.rfc3464")
same "Sisimai's RFC 3464 parser reads the remote DSN" "$got" "$(printf '%s\n' \
  'someone@example.net 5.1.1 userunknown RFC3464' 'full@example.net 4.4.1 expired RFC3464' \
  'quota@domain.jp 4.3.0 mailboxfull RFC3464' 'nomx@example.com 5.4.4 hostunknown RFC3464')"

# The DSN's MIME structure, read by Python's email package.
cat > "$SCRATCH/mime.py" <<'PY'
import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.compat32)
print(m.get_content_type(), m.get_param('report-type'))
for part in m.get_payload():
    print(part.get_content_type())
status = m.get_payload()[1].get_payload()
print(status[0]['Reporting-MTA'], '|', status[0]['Arrival-Date'])
for group in status[1:]:
    print(group['Final-Recipient'], group['Action'], group['Status'], group['Remote-MTA'], '|', group['Diagnostic-Code'])
original = m.get_payload()[2]
if original.get_content_type() == 'message/rfc822':
    inner = original.get_payload()[0]
    print(inner['Return-Path'], inner['Subject'], repr(inner.get_payload()))
else:
    print(repr(original.get_payload()))
PY
same "the remote DSN's MIME structure" "$(python3 "$SCRATCH/mime.py" "$SCRATCH/remote.dsn" | tr -s '\n\t ' '   ')" \
  "$(printf '%s\n' 'multipart/report delivery-status' text/plain message/delivery-status message/rfc822 \
    'dns; mail.example.jp | 17 Mar 1996 03:50:00 -0000' \
    'rfc822; someone@example.net failed 5.1.1 dns; [192.0.2.25] | smtp; 550 5.1.1 <someone@example.net>: Recipient address rejected' \
    "rfc822; full@example.net failed 4.4.1 None | X-qmail; Sorry, I wasn't able to establish an SMTP connection. (#4.4.1) I'm not going to try again; this message has been in the queue too long." \
    'rfc822; quota@domain.jp failed 4.3.0 None | X-qmail; user is over quota: disk quota exceeded. (#4.3.0)' \
    "rfc822; nomx@example.com failed 5.4.4 None | X-qmail; Sorry, I couldn't find a mail exchanger or IP address. (#5.4.4)" \
    "<user@example.org> meeting 'Hello.\\n'" | tr -s '\n\t ' '   ')"
same "a DSN past bouncemaxbytes carries the headers only" "$(python3 "$SCRATCH/mime.py" "$SCRATCH/cut.dsn" | sed -n 4p)" text/rfc822-headers
contains "the headers-only part holds the header block" "$SCRATCH/cut.dsn" '^Subject: meeting$'
lacks "the headers-only part has no body" "$SCRATCH/cut.dsn" '^Hello\.$'

# -d from a pipe with a bouncemaxbytes above the 64 KiB look-ahead: the
# bytes past it wait in a spool file; under the limit part 3 is the whole
# message, at or over it the headers only.
mkdir "$SCRATCH/big" && echo mail.example.jp > "$SCRATCH/big/me" && echo 200000 > "$SCRATCH/big/bouncemaxbytes"
{ printf 'Subject: large\n\n'; head -c 150000 /dev/zero | tr '\0' y; } > "$SCRATCH/m150k"
{ printf 'Subject: large\n\n'; head -c 300000 /dev/zero | tr '\0' y; } > "$SCRATCH/m300k"
cat "$SCRATCH/m150k" | CONTROLDIR=$SCRATCH/big bounce-fmt -d s@y r@x no. > "$SCRATCH/d150k"
same "-d from a pipe under bouncemaxbytes: part 3 is the whole message" \
  "$(python3 "$SCRATCH/mime.py" "$SCRATCH/d150k" | tail -n 1)" "<s@y> large '$(head -c 150000 /dev/zero | tr '\0' y)'"
cat "$SCRATCH/m300k" | CONTROLDIR=$SCRATCH/big bounce-fmt -d s@y r@x no. > "$SCRATCH/d300k"
same "-d from a pipe over bouncemaxbytes: headers only" "$(python3 "$SCRATCH/mime.py" "$SCRATCH/d300k" | sed -n 4p)" text/rfc822-headers
same "-d over bouncemaxbytes: the notice stays small" "$(test "$(wc -c < "$SCRATCH/d300k")" -lt 5000 && echo small)" small
cat "$SCRATCH/m150k" | TMPDIR=$SCRATCH/none CONTROLDIR=$SCRATCH/big bounce-fmt -d s@y r@x no. > "$SCRATCH/dfail" 2> "$SCRATCH/dfail.err"
same "-d with no place to spool: 111" "$?" 111
contains "-d with no place to spool: said so" "$SCRATCH/dfail.err" 'unable to make a spool file in TMPDIR'

# Under SOURCE_DATE_EPOCH the boundary is reproducible, so a sender could
# compute it from the first 64 KiB and forge a MIME part after them. It
# must be absent from the whole copied message, from a file and a pipe.
python3 -c 'import sys; sys.stdout.write("Subject: long\n\n" + ("x" * 79 + "\n") * 1000)' > "$SCRATCH/p64k"
bounce-fmt -d s@y r@x no. < "$SCRATCH/p64k" > "$SCRATCH/probe"
b1=$(sed -n 's/^.*boundary="\([^"]*\)".*$/\1/p' "$SCRATCH/probe" | head -n 1)
{ cat "$SCRATCH/p64k"; printf -- '--%s\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; forged.example\n\nFinal-Recipient: rfc822; forged@example\nAction: delivered\nStatus: 2.0.0\n\n--%s--\n' "$b1" "$b1"; } > "$SCRATCH/forged"
cat > "$SCRATCH/parts.py" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.compat32)
b = m.get_param('boundary')
raw = open(sys.argv[1], 'rb').read()
print(len(m.get_payload()), raw.count(("--" + b).encode()))
PY
for how in file pipe; do
  if [ $how = file ]; then bounce-fmt -d s@y r@x no. < "$SCRATCH/forged" > "$SCRATCH/dforged"
  else cat "$SCRATCH/forged" | bounce-fmt -d s@y r@x no. > "$SCRATCH/dforged"; fi
  same "a forged boundary past 64 KiB ($how): three parts, the boundary only where bounce-fmt put it" \
    "$(python3 "$SCRATCH/parts.py" "$SCRATCH/dforged")" "3 4"
done
same "the same input gives the same notice (reproducible)" \
  "$(bounce-fmt -d s@y r@x no. < "$SCRATCH/forged" | md5sum)" "$(cat "$SCRATCH/forged" | bounce-fmt -d s@y r@x no. | md5sum)"
finish
