#!/bin/sh
# bounce-fmt against qmail-send's bytes. Each expected file was written by
# hand from qmail-send.c (addbounce, injectbounce, quote.c, date822fmt.c;
# doc/reference/qmail-bounce.md); the comment above each case says
# which rule it shows. SOURCE_DATE_EPOCH=827034880 is 17 Mar 1996 03:54:40.
. "$(dirname "$0")/lib.sh"
G=$TOP/tests/golden/bounce
bounce_control

# golden NAME EXPECTED INPUT ARGS...: exit 0, output equal to EXPECTED.
golden() {
  name=$1 expected=$2 input=$3; shift 3
  bounce-fmt "$@" < "$input" > "$SCRATCH/$name.out" 2> "$SCRATCH/$name.err"
  st=$?
  if [ "$st" -eq 0 ] && cmp -s "$SCRATCH/$name.out" "$expected"; then ok "golden $name"; else
    not_ok "golden $name (exit $st)"; diff "$expected" "$SCRATCH/$name.out" | sed 's/^/#   /' | head -20
    sed 's/^/#   /' "$SCRATCH/$name.err"
  fi
}

# One recipient, qmail-local's report: the four header lines (From is
# bouncefrom@bouncehost, bouncehost defaulting to control/me), the normal
# intro, "<addr>:" paragraph with a newline added, the break paragraph,
# Return-Path and the message verbatim.
golden single "$G/single.expected" "$G/message.in" \
  user@example.org abc@domain.jp 'Sorry, no mailbox here by that name. (#5.1.1)'

# The FAQ's question 5: three paragraphs in argument order; a report that
# already ends in a newline gets none added.
golden faq "$G/faq.expected" "$G/message.in" \
  user@example.org abc@domain.jp 'Sorry, no mailbox here by that name. (#5.1.1)' \
  abc@domaint.jp "Sorry, I couldn't find any host named domaint.jp. (#5.1.2)" \
  def@domain.jp 'Sorry, no SMTP connection got far enough; most progress was no connection
to remote host 192.0.2.1. (#5.5.0)
'

# qmail-remote's multi-line reports and the queue-lifetime line.
golden remote "$G/remote.expected" "$G/message.in" \
  user@example.org someone@example.net '192.0.2.25 does not like recipient.
Remote host said: 550 5.1.1 <someone@example.net>: Recipient address rejected
Giving up on 192.0.2.25.
' full@example.net "Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)
I'm not going to try again; this message has been in the queue too long.
" quota@domain.jp 'user is over quota: disk quota exceeded. (#4.3.0)'

# Empty sender: a double bounce to doublebounceto@doublebouncehost
# (postmaster@ + control/me), its own intro and break line, Return-Path <>.
golden double "$G/double.expected" "$G/bounce.in" \
  '' gone@example.org 'Sorry, no mailbox here by that name. (#5.1.1)'

# Blank lines in reports become "/" lines, judged on the original bytes,
# the last byte never touched: "first\n\nsecond\n\n\nthird\n\n\n" gives
# "first\n/second\n//third\n/\n"; a report starting "\n\n" follows ">:\n",
# so both become "/"; an empty report gives "<d@domain.jp>:\n\n". A
# newline in the address becomes "_"; a sender that needs quotes is quoted
# in To and Return-Path (the local part only).
golden blanklines "$G/blanklines.expected" "$G/short.in" \
  'john smith@example.org' 'a
b@domain.jp' 'first

second


third


' c@domain.jp '

lead

' d@domain.jp ''

# The rest are built with printf: the same head for a short report.
head_for() {  # SENDER_QUOTED FROMHOST INTROHOST
  printf 'Date: 17 Mar 1996 03:54:40 -0000\nFrom: MAILER-DAEMON@%s\nTo: %s\nSubject: failure notice\n\n' "$2" "$1"
  printf "Hi. This is the qmail-send program at %s.\nI'm afraid I wasn't able to deliver your message to the following addresses.\nThis is a permanent error; I've given up. Sorry it didn't work out.\n\n" "$3"
  printf '<r@x>:\nno.\n\n--- Below this line is a copy of the message.\n\nReturn-Path: <%s>\n' "$1"
}
head_for s@y mail.example.jp mail.example.jp > "$SCRATCH/head"

# An empty message: the notice ends with the Return-Path line.
: > "$SCRATCH/empty.in"
cp "$SCRATCH/head" "$SCRATCH/empty.expected"
golden empty-message "$SCRATCH/empty.expected" "$SCRATCH/empty.in" s@y r@x no.

# No final newline, CRLF line ends and NUL bytes: copied as they are.
printf 'Subject: x\r\n\r\nNUL:\000:\001\377\r\nno newline' > "$SCRATCH/binary.in"
cat "$SCRATCH/head" "$SCRATCH/binary.in" > "$SCRATCH/binary.expected"
golden binary-message "$SCRATCH/binary.expected" "$SCRATCH/binary.in" s@y r@x no.

# "-@[]" senders lose those four bytes first (a list's owner-@host-@[]).
head_for owner-@host mail.example.jp mail.example.jp > "$SCRATCH/owner.expected"
golden owner-sender "$SCRATCH/owner.expected" "$SCRATCH/empty.in" 'owner-@host-@[]' r@x no.

# control/bouncefrom and control/bouncehost, first line only, trailing
# blanks stripped.
mkdir "$SCRATCH/c2"
printf 'bounces \t\nignored\n' > "$SCRATCH/c2/bouncefrom"
printf 'bh.example\n' > "$SCRATCH/c2/bouncehost"
head_for s@y bh.example bh.example | sed 's/^From: MAILER-DAEMON@/From: bounces@/' > "$SCRATCH/c2.expected"
CONTROLDIR=$SCRATCH/c2 golden controls "$SCRATCH/c2.expected" "$SCRATCH/empty.in" s@y r@x no.

# No control files at all: MAILER-DAEMON@bouncehost, "at bouncehost.", and a
# double bounce to postmaster@doublebouncehost.
mkdir "$SCRATCH/c3"
head_for s@y bouncehost bouncehost > "$SCRATCH/c3.expected"
CONTROLDIR=$SCRATCH/c3 golden no-controls "$SCRATCH/c3.expected" "$SCRATCH/empty.in" s@y r@x no.
CONTROLDIR=$SCRATCH/c3 bounce-fmt '' r@x no. < "$SCRATCH/empty.in" > "$SCRATCH/c3d.out"
contains "no control files: double bounce to postmaster@doublebouncehost" "$SCRATCH/c3d.out" '^To: postmaster@doublebouncehost$'

# Empty control files are empty values (qmail's control_rldef): an empty
# bouncefrom is quoted as "", an empty bouncehost stays empty.
mkdir "$SCRATCH/c4"
: > "$SCRATCH/c4/bouncefrom"; : > "$SCRATCH/c4/bouncehost"; echo mail.example.jp > "$SCRATCH/c4/me"
head_for s@y '' '' | sed 's/^From: MAILER-DAEMON@$/From: ""@/' > "$SCRATCH/c4.expected"
CONTROLDIR=$SCRATCH/c4 golden empty-controls "$SCRATCH/c4.expected" "$SCRATCH/empty.in" s@y r@x no.

# bouncemaxbytes (qmail-ldap): the copy is cut after exactly N bytes and
# "\n\n--- End of message stripped.\n" follows, also at exactly N bytes.
mkdir "$SCRATCH/c5"
echo mail.example.jp > "$SCRATCH/c5/me"; echo 10 > "$SCRATCH/c5/bouncemaxbytes"
printf '0123456789abc' > "$SCRATCH/m13"; printf '0123456789' > "$SCRATCH/m10"; printf '012345678' > "$SCRATCH/m9"
{ cat "$SCRATCH/head"; printf '0123456789\n\n--- End of message stripped.\n'; } > "$SCRATCH/cut.expected"
{ cat "$SCRATCH/head"; printf '012345678'; } > "$SCRATCH/short9.expected"
CONTROLDIR=$SCRATCH/c5 golden maxbytes-cut "$SCRATCH/cut.expected" "$SCRATCH/m13" s@y r@x no.
CONTROLDIR=$SCRATCH/c5 golden maxbytes-exact "$SCRATCH/cut.expected" "$SCRATCH/m10" s@y r@x no.
CONTROLDIR=$SCRATCH/c5 golden maxbytes-under "$SCRATCH/short9.expected" "$SCRATCH/m9" s@y r@x no.
# through a pipe (no copy_file_range), the cut is as exact
CONTROLDIR=$SCRATCH/c5 bounce-fmt s@y r@x no. < "$SCRATCH/m13" | cat > "$SCRATCH/cutpipe.out"
check "maxbytes cut through a pipe" cmp -s "$SCRATCH/cutpipe.out" "$SCRATCH/cut.expected"
cat "$SCRATCH/m13" | CONTROLDIR=$SCRATCH/c5 bounce-fmt s@y r@x no. > "$SCRATCH/cutpipe2.out"
check "maxbytes cut from a pipe" cmp -s "$SCRATCH/cutpipe2.out" "$SCRATCH/cut.expected"

# Reports longer than qmail-send keeps: 9998 bytes survive.
long=$(head -c 12000 /dev/zero | tr '\0' x)
bounce-fmt s@y r@x "$long" < "$SCRATCH/empty.in" > "$SCRATCH/long.out"
same "a 12000-byte report keeps 9998 bytes" "$(grep -c "^$(head -c 9998 /dev/zero | tr '\0' x)\$" "$SCRATCH/long.out")" 1

# Options end at the first operand and at "--": a sender that starts with
# "-" is an operand there.
bounce-fmt -- -dash@y r@x no. < "$SCRATCH/empty.in" > "$SCRATCH/dash.out"
contains "-- lets a sender start with -" "$SCRATCH/dash.out" '^To: -dash@y$'
bounce-fmt s@y -q no. < "$SCRATCH/empty.in" > "$SCRATCH/dashr.out"
contains "an operand -q after SENDER is a recipient, not an option" "$SCRATCH/dashr.out" '^<-q>:$'

# Date follows SOURCE_DATE_EPOCH, else now.
SOURCE_DATE_EPOCH=951782400 bounce-fmt s@y r@x no. < "$SCRATCH/empty.in" > "$SCRATCH/date.out"
contains "Date from SOURCE_DATE_EPOCH (leap day)" "$SCRATCH/date.out" '^Date: 29 Feb 2000 00:00:00 -0000$'
today=$(LC_ALL=C date -u '+%-d %b %Y')
env -u SOURCE_DATE_EPOCH "$TOP/bounce-fmt/bounce-fmt" s@y r@x no. < "$SCRATCH/empty.in" > "$SCRATCH/now.out"
contains "Date is now without SOURCE_DATE_EPOCH" "$SCRATCH/now.out" "^Date: $today [0-9]{2}:[0-9]{2}:[0-9]{2} -0000\$"

# -d (no qmail original to compare with; written by hand from RFC 3464 and
# the man page): the header lines, the preamble with qmail's text up to
# its break line, part 1 with the intro and paragraphs, part 2 with
# Reporting-MTA (bouncehost), Arrival-Date (the first Received field's
# date), per recipient Status from "(#5.1.1)" or from the remote reply's
# enhanced code, Remote-MTA from qmail-remote's host line, Diagnostic-Code
# (X-qmail with the reason, or smtp with the reply, folded before 78
# columns), part 3 with the Return-Path line and the message. The random
# boundary is replaced by BOUNDARY before comparing.
bounce-fmt -d user@example.org abc@domain.jp 'Sorry, no mailbox here by that name. (#5.1.1)' \
  someone@example.net '192.0.2.25 does not like recipient.
Remote host said: 550 5.1.1 <someone@example.net>: Recipient address rejected
Giving up on 192.0.2.25.
' < "$G/message.in" > "$SCRATCH/dsn.raw"
boundary=$(sed -n 's/^	boundary="\(.*\)"$/\1/p' "$SCRATCH/dsn.raw")
check "-d boundary is long and random-looking" [ ${#boundary} -ge 20 ]
sed "s/$boundary/BOUNDARY/g" "$SCRATCH/dsn.raw" > "$SCRATCH/dsn.out"
check "golden dsn-remote" cmp -s "$SCRATCH/dsn.out" "$G/dsn-remote.expected"
SOURCE_DATE_EPOCH=827034880 bounce-fmt -d s@y r@x no. < "$G/message.in" > "$SCRATCH/dsn1"
SOURCE_DATE_EPOCH=827034880 bounce-fmt -d s@y r@x no. < "$G/message.in" > "$SCRATCH/dsn2"
check "-d with SOURCE_DATE_EPOCH is reproducible" cmp -s "$SCRATCH/dsn1" "$SCRATCH/dsn2"
env -u SOURCE_DATE_EPOCH "$TOP/bounce-fmt/bounce-fmt" -d s@y r@x no. < "$G/message.in" > "$SCRATCH/dsn3"
env -u SOURCE_DATE_EPOCH "$TOP/bounce-fmt/bounce-fmt" -d s@y r@x no. < "$G/message.in" > "$SCRATCH/dsn4"
check "-d without SOURCE_DATE_EPOCH draws a new boundary" [ "$(grep boundary= "$SCRATCH/dsn3")" != "$(grep boundary= "$SCRATCH/dsn4")" ]
finish
