#!/bin/sh
# Part 3 of the demonstration: the FAQ's question 5, "failure notice" mail
# from MAILER-DAEMON, written by bounce-fmt the way qmail-send writes it.
# Run from the top of the tree after "make".
. "$(dirname "$0")/../tests/lib.sh"
cd "$TOP" || exit 111
work=$SCRATCH
bounce_control ms001.hosting.example 1795834800

say "== 3. Bounces: the FAQ's question 5 =="
say ""
say "A customer of ms001.hosting.example sends one message to three addresses."
say "None of them works: a mistyped user name, a mistyped domain, and a server"
say "that never answers. The FAQ teaches customers to read the notice that"
say "comes back from MAILER-DAEMON. This is the message:"
say ""
cat > "$work/message" <<'MSG'
Received: (qmail 4711 invoked by uid 1000); 28 Nov 2026 02:59:00 -0000
Date: Sat, 28 Nov 2026 11:59:00 +0900
From: taro@customer.example
To: abc@domain.jp, abc@domaint.jp, info@slow.example
Subject: estimate

Please find the estimate below.
MSG
show "| " < "$work/message"
say ""
say "A .qmail program, a list manager or a filter script gives bounce-fmt the"
say "sender, then each failed recipient with qmail's reason text:"
say ""
cat <<'CMD'
    bounce-fmt taro@customer.example \
      abc@domain.jp     'Sorry, no mailbox here by that name. (#5.1.1)' \
      abc@domaint.jp    "Sorry, I couldn't find any host named domaint.jp. (#5.1.2)" \
      info@slow.example 'Sorry, no SMTP connection got far enough; ... (#5.5.0)'
CMD
say ""
bounce-fmt taro@customer.example \
  abc@domain.jp 'Sorry, no mailbox here by that name. (#5.1.1)' \
  abc@domaint.jp "Sorry, I couldn't find any host named domaint.jp. (#5.1.2)" \
  info@slow.example 'Sorry, no SMTP connection got far enough; most progress was no connection
to remote host 192.0.2.1. (#5.5.0)' < "$work/message" > "$work/notice" || exit 1
show "| " < "$work/notice"
say ""
say "That is byte for byte what qmail-send writes: the customer's mail program"
say "shows the FAQ's text, and bounce parsers read it. Sisimai, for one:"
say ""
if perl -MSisimai -e 1 2>/dev/null; then
  perl -MSisimai -e 'printf "    %-20s %s  %s\n", $_->recipient->address, $_->deliverystatus, $_->reason
    for @{ Sisimai->make($ARGV[0]) // [] }' "$work/notice"
else
  say "    (Sisimai is not installed here: apt-get install libsisimai-perl)"
fi
say ""
say "With -d the same notice is also an RFC 3464 report that machines read"
say "without knowing qmail. Its delivery-status part:"
say ""
bounce-fmt -d taro@customer.example \
  abc@domain.jp 'Sorry, no mailbox here by that name. (#5.1.1)' \
  abc@domaint.jp "Sorry, I couldn't find any host named domaint.jp. (#5.1.2)" \
  info@slow.example 'Sorry, no SMTP connection got far enough; most progress was no connection
to remote host 192.0.2.1. (#5.5.0)' < "$work/message" > "$work/dsn" || exit 1
sed -n '/^Content-Type: message\/delivery-status$/,/^--=_/p' "$work/dsn" | sed '$d' | show "| "
say ""
say "And with -q it goes straight to qmail-queue, from <> to the sender, as"
say "qmail-send would have sent it."
exit 0
