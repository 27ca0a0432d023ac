// bounce-fmt: qmail-send's text, rule by rule (qmail-send.c addbounce()
// and injectbounce(), quote.c, date822fmt.c).
#include "bounce-fmt/bounce.h"

#include <doctest/doctest.h>
#include <string>

using namespace qs::bounce;
using namespace std::string_literals;

TEST_CASE("quote_local quotes a local part only when RFC 822 needs it")
{
    CHECK(quote_local("user") == "user");
    CHECK(quote_local("first.last+tag") == "first.last+tag");
    CHECK(quote_local("!#$%&'*+-/=?^_`{|}~") == "!#$%&'*+-/=?^_`{|}~");
    CHECK(quote_local("") == "\"\"");
    CHECK(quote_local("two words") == "\"two words\"");
    CHECK(quote_local(".lead") == "\".lead\"");
    CHECK(quote_local("trail.") == "\"trail.\"");
    CHECK(quote_local("a..b") == "\"a..b\"");
    CHECK(quote_local("a\"b\\c") == "\"a\\\"b\\\\c\"");
    CHECK(quote_local("a\rb") == "\"a\\\rb\"");
    CHECK(quote_local("caf\xc3\xa9") == "\"caf\xc3\xa9\"");  // bytes above 127
    CHECK(quote_local("a\x01") == "\"a\x01\"");                // control bytes: quoted, kept
    for (char c : std::string("()<>@,;:[]"))
        CHECK(quote_local("a"s + c) == "\"a"s + c + "\"");
}

TEST_CASE("quote_address quotes the part before the last @ and keeps the domain")
{
    CHECK(quote_address("") == "");
    CHECK(quote_address("user@example.org") == "user@example.org");
    CHECK(quote_address("two words@example.org") == "\"two words\"@example.org");
    CHECK(quote_address("a@b@example.org") == "\"a@b\"@example.org");
    CHECK(quote_address("postmaster") == "postmaster");
    CHECK(quote_address("#@[]") == "#@[]");
}

TEST_CASE("date_line: day not padded, time padded, UTC as -0000")
{
    CHECK(date_line(0) == "Date: 1 Jan 1970 00:00:00 -0000\n");
    CHECK(date_line(827034880) == "Date: 17 Mar 1996 03:54:40 -0000\n");
    CHECK(date_line(1795834805) == "Date: 28 Nov 2026 03:00:05 -0000\n");
    CHECK(date_line(951782400) == "Date: 29 Feb 2000 00:00:00 -0000\n");
}

TEST_CASE("paragraph: the address, the report, a newline added when missing, a blank line")
{
    CHECK(paragraph("a@b", "text") == "<a@b>:\ntext\n\n");
    CHECK(paragraph("a@b", "text\n") == "<a@b>:\ntext\n\n");
    CHECK(paragraph("a@b", "") == "<a@b>:\n\n");
    CHECK(paragraph("a\nb@c", "x") == "<a_b@c>:\nx\n\n");
}

TEST_CASE("paragraph: blank lines are broken with '/', judged on the original bytes")
{
    CHECK(paragraph("a@b", "a\n\nb\n") == "<a@b>:\na\n/b\n\n");
    CHECK(paragraph("a@b", "a\n\n\nb\n") == "<a@b>:\na\n//b\n\n");
    // A trailing "\n\n" keeps its last newline: the last byte is never
    // touched, so a blank line (an empty QSBMF paragraph) follows.
    CHECK(paragraph("a@b", "a\n\n") == "<a@b>:\na\n\n\n");
    CHECK(paragraph("a@b", "a\n\n\n") == "<a@b>:\na\n/\n\n");
    // qmail-send runs the loop over the whole paragraph, "<a@b>:\n"
    // included: a report that starts with a newline follows the newline of
    // ">:\n", so its first byte becomes '/' as well. (qmail-bounce.md's
    // "\n\nb\n" -> "\n/b\n" describes the report alone; the code path is
    // what real hosts send.)
    CHECK(paragraph("a@b", "\n\nb\n") == "<a@b>:\n//b\n\n");
    CHECK(paragraph("a@b", "\n") == "<a@b>:\n\n\n");
}

TEST_CASE("paragraph keeps at most 9998 bytes of a report")
{
    std::string report(20000, 'x');
    std::string p = paragraph("a@b", report);
    CHECK(p == "<a@b>:\n" + std::string(report_max, 'x') + "\n\n");
}

TEST_CASE("envelope_for: bounce, double bounce, triple bounce, -@[]")
{
    Controls c;
    c.doublebounceto = "postmaster@mx.example";
    Envelope e = envelope_for("user@example.org", c);
    CHECK(e.kind == Kind::bounce);
    CHECK(e.sender == "");
    CHECK(e.recipient == "user@example.org");
    CHECK(e.original_sender == "user@example.org");

    e = envelope_for("", c);
    CHECK(e.kind == Kind::double_bounce);
    CHECK(e.sender == "#@[]");
    CHECK(e.recipient == "postmaster@mx.example");

    CHECK(envelope_for("#@[]", c).kind == Kind::triple_bounce);

    e = envelope_for("owner-@host-@[]", c);
    CHECK(e.kind == Kind::bounce);
    CHECK(e.recipient == "owner-@host");
    CHECK(e.original_sender == "owner-@host");
    // "-@[]" alone strips to the empty sender: a double bounce.
    CHECK(envelope_for("-@[]", c).kind == Kind::double_bounce);
    // "#@[]-@[]" strips to "#@[]": a triple bounce.
    CHECK(envelope_for("#@[]-@[]", c).kind == Kind::triple_bounce);

    c.discard_double = true;
    CHECK(envelope_for("", c).kind == Kind::discarded);
    CHECK(envelope_for("x@y", c).kind == Kind::bounce);
}

TEST_CASE("qmail_head for a double bounce: its own intro and break line, Return-Path <>")
{
    Controls c;
    c.bouncefrom = "MAILER-DAEMON";
    c.bouncehost = "mx.example";
    c.doublebounceto = "postmaster@mx.example";
    Failure f[] = {{"user@example.org", "Sorry, no mailbox here by that name. (#5.1.1)\n"}};
    std::string head = qmail_head(envelope_for("", c), c, f, 0);
    CHECK(head == "Date: 1 Jan 1970 00:00:00 -0000\n"
                  "From: MAILER-DAEMON@mx.example\n"
                  "To: postmaster@mx.example\n"
                  "Subject: failure notice\n"
                  "\n"
                  "Hi. This is the qmail-send program at mx.example.\n"
                  "I tried to deliver a bounce message to this address, but the bounce bounced!\n"
                  "\n"
                  "<user@example.org>:\n"
                  "Sorry, no mailbox here by that name. (#5.1.1)\n"
                  "\n"
                  "--- Below this line is the original bounce.\n"
                  "\n"
                  "Return-Path: <>\n");
}

TEST_CASE("qmail_head quotes From's local part and To's address")
{
    Controls c;
    c.bouncefrom = "mailer daemon";
    c.bouncehost = "h";
    Failure f[] = {{"r@x", "x"}};
    std::string head = qmail_head(envelope_for("a b@example.org", c), c, f, 0);
    CHECK(head.find("From: \"mailer daemon\"@h\nTo: \"a b\"@example.org\n") != std::string::npos);
    CHECK(head.find("Return-Path: <\"a b\"@example.org>\n") != std::string::npos);
}
