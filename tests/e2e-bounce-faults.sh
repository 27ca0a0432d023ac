#!/bin/sh
# bounce-fmt on bad input and faults: each exits as documented (100 usage,
# 111 temporary), says why in one line on descriptor 2, and never reports
# success for a partial notice. Also -q through a qmail-queue stand-in that
# records both descriptors.
. "$(dirname "$0")/lib.sh"
bounce_control
printf 'Subject: x\n\nbody\n' > "$SCRATCH/msg"
OUT=$SCRATCH/out ERR=$SCRATCH/err

# run EXPECTED_STATUS DESCRIPTION ARGS...: stdin msg, stdout OUT, stderr ERR
invoke() { bounce-fmt "$@" < "$SCRATCH/msg" > "$OUT" 2> "$ERR"; }
run() { want=$1 d=$2; shift 2; status "$d" "$want" invoke "$@"; }
one_line() { same "$1: one line on descriptor 2" "$(wc -l < "$ERR" | tr -d ' ')" 1; }
nothing_out() { same "$1: nothing on descriptor 1" "$(wc -c < "$OUT" | tr -d ' ')" 0; }

# --- usage -------------------------------------------------------------
run 100 "no arguments"
contains "no arguments: usage named" "$ERR" '^bounce-fmt: fatal: too few arguments; usage: bounce-fmt '
nothing_out "no arguments"
run 100 "a sender alone" s@y
run 100 "a recipient without its reason" s@y r@x
contains "odd operands: said so" "$ERR" 'RECIPIENT without its REASON'
run 100 "a reason without a second recipient's reason" s@y r@x no. r2@x
run 100 "an unknown option" -x s@y r@x no.
contains "unknown option: named" "$ERR" 'unknown option -x'
run 100 "an empty recipient" s@y '' 'no.'
contains "empty recipient: said so" "$ERR" '^bounce-fmt: fatal: empty recipient$'
nothing_out "empty recipient"
run 100 "a sender with a newline" 's@y
Bcc: victim@example.org' r@x no.
contains "sender with a newline: escaped in the log" "$ERR" 'sender contains a newline sender=s@y\\x0aBcc:'
one_line "sender with a newline"
nothing_out "sender with a newline"
run 100 "a sender with a carriage return" "$(printf 's@y\rX')" r@x no.

# --- odd but valid operands ----------------------------------------------
run 0 "a sender with NUL-free binary bytes" "$(printf 'b\001\377@x')" r@x no.
same "binary sender: quoted in To as quote.c does" "$(sed -n 3p "$OUT" | od -An -c | tr -s ' ')" \
  "$(printf 'To: "b\001\377"@x\n' | od -An -c | tr -s ' ')"
run 0 "a recipient with a newline and binary bytes" s@y "$(printf 'a\nb\001@x')" no.
same "binary recipient: newline made _, other bytes kept" "$(grep -a '^<a_b' "$OUT" | od -An -c | tr -s ' ')" \
  "$(printf '<a_b\001@x>:\n' | od -An -c | tr -s ' ')"

# A 9998-byte reason of address characters (part of a reason is a remote
# server's reply) on a 512 KiB stack: no recursion that grows with it.
long=$(head -c 9998 /dev/zero | tr '\0' 1)
( ulimit -s 512 && exec bounce-fmt -d s@y r@x "$long" < "$SCRATCH/msg" > "$OUT" 2> "$ERR" )
got $? 0 "-d with a long numeric reason on a small stack"

# --- control directory ----------------------------------------------------
CONTROLDIR=$SCRATCH/msg run 111 "CONTROLDIR is a file" s@y r@x no.
contains "CONTROLDIR is a file: said so" "$ERR" 'control directory is not a directory path='
nothing_out "CONTROLDIR is a file"
CONTROLDIR=$SCRATCH/nonexistent run 111 "CONTROLDIR does not exist" s@y r@x no.
contains "missing CONTROLDIR: said so" "$ERR" 'unable to use control directory .*No such file'
mkdir -p "$SCRATCH/c2/bouncehost"
CONTROLDIR=$SCRATCH/c2 run 111 "a control file that cannot be read" s@y r@x no.
contains "unreadable control file: named" "$ERR" 'unable to read control file path=.*/bouncehost'
if [ "$(id -u)" -ne 0 ]; then
  mkdir "$SCRATCH/c3" && chmod 000 "$SCRATCH/c3"
  CONTROLDIR=$SCRATCH/c3 run 111 "an unreadable control directory" s@y r@x no.
  chmod 700 "$SCRATCH/c3"
else
  ok "an unreadable control directory # SKIP root reads any directory (the not-a-directory cases cover it)"
fi
mkdir "$SCRATCH/c4" && : > "$SCRATCH/c4/doublebounceto"
CONTROLDIR=$SCRATCH/c4 run 0 "empty doublebounceto: a double bounce is discarded" '' r@x no.
nothing_out "discarded double bounce"
contains "discarded double bounce: logged" "$ERR" 'double bounce: discarding'
CONTROLDIR=$SCRATCH/c4 run 0 "empty doublebounceto: a normal bounce still goes" s@y r@x no.
contains "normal bounce with empty doublebounceto" "$OUT" '^To: s@y$'
run 0 "triple bounce: exit 0" '#@[]' r@x no.
nothing_out "triple bounce"
contains "triple bounce: logged" "$ERR" '^bounce-fmt: triple bounce: discarding'
echo 'x;y' > "$SCRATCH/c4/bouncemaxbytes"
CONTROLDIR=$SCRATCH/c4 run 0 "a malformed bouncemaxbytes: the whole message, a warning" s@y r@x no.
contains "malformed bouncemaxbytes: warned" "$ERR" 'warning: bouncemaxbytes is not a number'
contains "malformed bouncemaxbytes: body copied" "$OUT" '^body$'

SOURCE_DATE_EPOCH=yesterday run 111 "a malformed SOURCE_DATE_EPOCH" s@y r@x no.
contains "malformed SOURCE_DATE_EPOCH: said so" "$ERR" 'SOURCE_DATE_EPOCH is not a number'

# --- descriptors ------------------------------------------------------------
bounce-fmt s@y r@x no. < "$SCRATCH/msg" >&- 2> "$ERR"; got $? 111 "stdout closed: 111"
contains "stdout closed: said so" "$ERR" 'descriptor 1 is closed'
bounce-fmt s@y r@x no. < "$SCRATCH/msg" > /dev/full 2> "$ERR"; got $? 111 "stdout full: 111"
contains "stdout full: said so" "$ERR" 'unable to write bounce to descriptor 1: No space left'
head -c 1048576 /dev/zero > "$SCRATCH/big"
bounce-fmt -d s@y r@x no. < "$SCRATCH/big" > /dev/full 2> "$ERR"; got $? 111 "stdout full (DSN): 111"
( bounce-fmt s@y r@x no. < "$SCRATCH/big" 2> "$ERR"; echo $? > "$SCRATCH/pipe-status" ) | head -c 10 > /dev/null
same "stdout a pipe closed early: 111" "$(cat "$SCRATCH/pipe-status")" 111
contains "stdout a pipe closed early: said so" "$ERR" 'Broken pipe'
bounce-fmt s@y r@x no. <&- > "$OUT" 2> "$ERR"; got $? 111 "stdin closed: 111"
contains "stdin closed: said so" "$ERR" 'descriptor 0 is closed'
bounce-fmt s@y r@x no. < / > "$OUT" 2> "$ERR"; got $? 111 "stdin unreadable: 111"
contains "stdin unreadable: said so" "$ERR" 'unable to read message: Is a directory'
bounce-fmt -d s@y r@x no. < / > "$OUT" 2> "$ERR"; got $? 111 "stdin unreadable with -d: 111"
nothing_out "stdin unreadable with -d"
bounce-fmt s@y r@x no. < "$SCRATCH/msg" > "$OUT" 2>&-; got $? 0 "stderr closed: the bounce still goes"
contains "stderr closed: output complete" "$OUT" '^body$'

# --- -q: a qmail-queue stand-in recording both descriptors -------------------
QQ=$SCRATCH/qq
cat > "$QQ" <<'QQEOF'
#!/bin/sh
cat > "$QQ_DIR/message"
cat <&1 > "$QQ_DIR/envelope"
[ -n "$QQ_KILL" ] && kill -9 $$
exit ${QQ_EXIT:-0}
QQEOF
chmod 755 "$QQ"
QQ_DIR=$SCRATCH
QMAILQUEUE=$QQ
export QQ_DIR QMAILQUEUE

bounce-fmt s@y r@x no. < "$SCRATCH/msg" > "$SCRATCH/stdout-mode" 2>/dev/null
run 0 "-q: qmail-queue exit 0 is success" -q s@y r@x no.
nothing_out "-q"
check "-q: qmail-queue got the notice on descriptor 0, byte for byte" cmp -s "$SCRATCH/message" "$SCRATCH/stdout-mode"
printf 'F\000Ts@y\000\000' > "$SCRATCH/env.expected"
check "-q: envelope on descriptor 1: empty sender, the original sender" cmp -s "$SCRATCH/envelope" "$SCRATCH/env.expected"
contains "-q: logged with qp" "$ERR" '^bounce-fmt: queued kind=bounce to=s@y qp=[0-9]+$'

run 0 "-q double bounce" -q '' r@x no.
printf 'F#@[]\000Tpostmaster@mail.example.jp\000\000' > "$SCRATCH/env2.expected"
check "-q double bounce: envelope #@[] to doublebounceto" cmp -s "$SCRATCH/envelope" "$SCRATCH/env2.expected"
contains "-q double bounce: notice to postmaster" "$SCRATCH/message" '^To: postmaster@mail.example.jp$'

run 0 "-q -d" -q -d 'owner-@list.example-@[]' r@x no.
printf 'F\000Towner-@list.example\000\000' > "$SCRATCH/env3.expected"
check "-q -d: envelope for a -@[] sender" cmp -s "$SCRATCH/envelope" "$SCRATCH/env3.expected"
contains "-q -d: a DSN went in" "$SCRATCH/message" '^Content-Type: multipart/report; report-type=delivery-status;$'

QQ_EXIT=31 run 100 "-q: qmail-queue 31 (permanent) is 100" -q s@y r@x no.
contains "-q 31: said why" "$ERR" 'exit=31 reason=mail\\x20server\\x20permanently\\x20rejected\\x20message'
QQ_EXIT=11 run 100 "-q: qmail-queue 11 is 100" -q s@y r@x no.
QQ_EXIT=53 run 111 "-q: qmail-queue 53 (disk full) is 111" -q s@y r@x no.
QQ_EXIT=81 run 111 "-q: qmail-queue 81 is 111" -q s@y r@x no.
QQ_KILL=1 run 111 "-q: qmail-queue killed is 111" -q s@y r@x no.
contains "-q killed: said so" "$ERR" 'signal=9'
QMAILQUEUE=$SCRATCH/no-such-qq run 111 "-q: qmail-queue missing is 111" -q s@y r@x no.
contains "-q missing: exit 120 reported" "$ERR" 'exit=120 reason=unable\\x20to\\x20exec\\x20qq'
rm -f "$SCRATCH/envelope"
bounce-fmt -q s@y r@x no. < / > "$OUT" 2> "$ERR"; got $? 111 "-q: stdin unreadable is 111"
same "-q stdin unreadable: qmail-queue got no envelope, so queued nothing" "$(wc -c < "$SCRATCH/envelope" | tr -d ' ')" 0
rm -f "$SCRATCH/envelope" "$SCRATCH/message"
CONTROLDIR=$SCRATCH/c4 run 0 "-q triple bounce: exit 0" -q '#@[]' r@x no.
check "-q triple bounce: qmail-queue never ran" [ ! -e "$SCRATCH/message" ]
CONTROLDIR=$SCRATCH/c4 run 0 "-q double bounce with empty doublebounceto: exit 0" -q '' r@x no.
check "-q discarded double bounce: qmail-queue never ran" [ ! -e "$SCRATCH/message" ]

# The .qmail program line of INSTALL (after its "|"): bounce, then exit 99.
cat > "$SCRATCH/dotqmail" <<'DQ'
bounce-fmt -q "$SENDER" "$RECIPIENT" 'Sorry, no mailbox here by that name. (#5.1.1)' && exit 99
DQ
SENDER=taro@customer.example RECIPIENT=old@hosting.example sh "$SCRATCH/dotqmail" < "$SCRATCH/msg" 2> "$ERR"
got $? 99 ".qmail line from INSTALL: exit 99 after queueing"
printf 'F\000Ttaro@customer.example\000\000' > "$SCRATCH/env4.expected"
check ".qmail line: bounce from <> to the sender" cmp -s "$SCRATCH/envelope" "$SCRATCH/env4.expected"
contains ".qmail line: paragraph for the recipient" "$SCRATCH/message" '^<old@hosting.example>:$'
SENDER=taro@customer.example RECIPIENT=old@hosting.example QQ_EXIT=53 sh "$SCRATCH/dotqmail" < "$SCRATCH/msg" 2> "$ERR"
got $? 111 ".qmail line: a temporary qmail-queue failure defers (111)"

# --- documentation ---------------------------------------------------------
same "man page: groff -ww finds nothing" "$(groff -man -ww -z "$TOP/bounce-fmt/bounce-fmt.8" 2>&1)" ""
(cd "$TOP" && sh demo/3-bounce.sh) > "$SCRATCH/demo.out" 2>&1
got $? 0 "demo/3-bounce.sh exits 0"
contains "demo shows the FAQ's #5.5.0 paragraph" "$SCRATCH/demo.out" '^    \| to remote host 192\.0\.2\.1\. \(#5\.5\.0\)$'
contains "demo shows Sisimai reading #5.1.2 as hostunknown" "$SCRATCH/demo.out" 'abc@domaint\.jp +5\.1\.2  hostunknown'
finish
