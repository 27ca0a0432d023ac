// bounce-fmt -d: what the RFC 3464 fields are made of.
#include "bounce-fmt/bounce.h"

#include <doctest/doctest.h>
#include <string>

using namespace qs::bounce;

TEST_CASE("status_of: the (#x.y.z) code, else the remote reply, else 5.0.0")
{
    CHECK(status_of("Sorry, no mailbox here by that name. (#5.1.1)\n") == "5.1.1");
    CHECK(status_of("Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)\n"
                    "I'm not going to try again; this message has been in the queue too long.\n") ==
          "4.4.1");
    CHECK(status_of("192.0.2.1 does not like recipient.\n"
                    "Remote host said: 550 5.1.1 <x@y>... User unknown\n"
                    "Giving up on 192.0.2.1.\n") == "5.1.1");
    CHECK(status_of("Remote host said: 554 sorry, no thanks\n") == "5.0.0");
    CHECK(status_of("Remote host said: 452 4.2.2 mailbox full\n") == "4.2.2");
    CHECK(status_of("Remote host said: 451 try later\n") == "4.0.0");
    // An enhanced code of the other class is not the reply's status.
    CHECK(status_of("Remote host said: 550 4.2.2 odd\n") == "5.0.0");
    CHECK(status_of("Remote host said: 550 5.7.1001 wide\n") == "5.0.0");
    CHECK(status_of("Remote host said: 550 5.7.100 three digits\n") == "5.7.100");
    CHECK(status_of("something went wrong\n") == "5.0.0");
    CHECK(status_of("") == "5.0.0");
    // Only qmail's trailing code counts; one inside the text is text.
    CHECK(status_of("(#5.1.1) then (#4.2.2)") == "4.2.2");
    CHECK(status_of("(#5.1.1) then (#9.9.9) (#5.x)") == "5.0.0");
    CHECK(status_of("(#)") == "5.0.0");
    // A remote server's reply quoting "(#2.0.0)" never makes a failure 2.0.0
    CHECK(status_of("192.0.2.1 does not like recipient.\n"
                    "Remote host said: 550 rejected (#2.0.0) by policy\n"
                    "Giving up on 192.0.2.1.\n") == "5.0.0");
    CHECK(status_of("Remote host said: 554 ok (#2.0.0)\n") == "5.0.0");
    // ... nor a trailing 2.x.x code
    CHECK(status_of("Remote host said: 554 no\nodd text (#2.0.0)\n") == "5.0.0");
    CHECK(status_of("mailbox full (#2.2.2)") == "5.0.0");
    CHECK(status_of("(#5.1.1") == "5.0.0");
}

TEST_CASE("smtp_reply_of joins a multi-line reply and stops at qmail's own text")
{
    CHECK(smtp_reply_of("no reply here") == "");
    CHECK(smtp_reply_of("1.2.3.4 does not like recipient.\n"
                        "Remote host said: 550-5.1.1 first\n"
                        "550 5.1.1 second\n"
                        "Giving up on 1.2.3.4.\n") == "550-5.1.1 first 550 5.1.1 second");
    CHECK(smtp_reply_of("Remote host said: 550 a\tb\r\n") == "550 a b");
}

TEST_CASE("remote_mta_of finds the host qmail-remote talked to")
{
    CHECK(remote_mta_of("192.0.2.1 does not like recipient.\nRemote host said: 550 no\n") == "192.0.2.1");
    CHECK(remote_mta_of("Connected to 2001:db8::25 but sender was rejected.\n") == "2001:db8::25");
    CHECK(remote_mta_of("Remote host said: 554 no\nGiving up on 192.0.2.9.\n") == "192.0.2.9");
    CHECK(remote_mta_of("192.0.2.3 failed after I sent the message.\n") == "192.0.2.3");
    CHECK(remote_mta_of("Sorry, no mailbox here by that name. (#5.1.1)\n") == "");
    CHECK(remote_mta_of("host x.example does not like recipient.\n") == "");
}

TEST_CASE("header_block_of stops after the first empty line, LF or CRLF")
{
    CHECK(header_block_of("A: 1\nB: 2\n\nbody\n") == "A: 1\nB: 2\n\n");
    CHECK(header_block_of("A: 1\r\n\r\nbody\r\n") == "A: 1\r\n\r\n");
    CHECK(header_block_of("\nbody\n") == "\n");
    CHECK(header_block_of("A: 1\nno end") == "A: 1\nno end");
    CHECK(header_block_of("") == "");
}

TEST_CASE("arrival_date_of takes the first Received field's date when it is one")
{
    CHECK(arrival_date_of("Received: (qmail 1 invoked by uid 0); 28 Nov 2026 01:00:00 -0000\n"
                          "Received: from x; 1 Jan 2000 00:00:00 -0000\n\n") ==
          "28 Nov 2026 01:00:00 -0000");
    CHECK(arrival_date_of("Subject: x\nreceived: from a\n\tby b; Sat, 28 Nov 2026\n"
                          " 01:00:00 +0900 (JST)\n\n") == "Sat, 28 Nov 2026 01:00:00 +0900 (JST)");
    CHECK(arrival_date_of("Received: from a; Sat, 28 Nov 2026 01:00:00 +0900\r\n\r\n") ==
          "Sat, 28 Nov 2026 01:00:00 +0900");
    CHECK(arrival_date_of("Subject: x\n\n") == "");
    CHECK(arrival_date_of("Received: from a by b\n\n") == "");
    CHECK(arrival_date_of("Received: x; not a date\n\n") == "");
    CHECK(arrival_date_of("Received: x; 28 Nov 2026 01:00:00 -0000\nInjected: y\n") ==
          "28 Nov 2026 01:00:00 -0000");
    // Only the header block counts.
    CHECK(arrival_date_of("Subject: x\n\nReceived: x; 28 Nov 2026 01:00:00 -0000\n") == "");
}

namespace {
Controls test_controls()
{
    Controls c;
    c.bouncefrom = "MAILER-DAEMON";
    c.bouncehost = "mx.example";
    c.doublebounceto = "postmaster@mx.example";
    return c;
}
} // namespace

TEST_CASE("dsn_parts: qmail's text as preamble and part 1, one status group per recipient")
{
    Controls c = test_controls();
    Failure f[] = {{"a@x", "Sorry, no mailbox here by that name. (#5.1.1)\n"},
                   {"b\n@x", "1.2.3.4 does not like recipient.\nRemote host said: 550 5.1.1 no\n"}};
    DsnParts p = dsn_parts(envelope_for("s@y", c), c, f, 0,
                           "Received: (qmail 1 invoked by uid 0); 1 Jan 1970 00:00:00 -0000\n\nbody\n",
                           false, "BOUND");
    const std::string& h = p.head;
    CHECK(h.find("Content-Type: multipart/report; report-type=delivery-status;\n\tboundary=\"BOUND\"\n\n"
                 "Hi. This is the qmail-send program at mx.example.\n") != std::string::npos);
    CHECK(h.find("<b_@x>:\n") != std::string::npos);
    CHECK(h.find("\n\n--- Below this line is a copy of the message.\n\n--BOUND\n"
                 "Content-Type: text/plain; charset=us-ascii\n") != std::string::npos);
    CHECK(h.find("Reporting-MTA: dns; mx.example\nArrival-Date: 1 Jan 1970 00:00:00 -0000\n\n"
                 "Final-Recipient: rfc822; a@x\nAction: failed\nStatus: 5.1.1\n"
                 "Diagnostic-Code: X-qmail; Sorry, no mailbox here by that name. (#5.1.1)\n\n"
                 "Final-Recipient: rfc822; b_@x\nAction: failed\nStatus: 5.1.1\n"
                 "Remote-MTA: dns; [1.2.3.4]\nDiagnostic-Code: smtp; 550 5.1.1 no\n\n--BOUND\n"
                 "Content-Type: message/rfc822\n") != std::string::npos);
    std::string last = "\n\nReturn-Path: <s@y>\n";
    CHECK(h.ends_with("\nContent-Description: Undelivered message" + last));
    CHECK(p.tail == "\n--BOUND--\n");
    CHECK(h.find("Content-Transfer-Encoding") == std::string::npos);
}

TEST_CASE("dsn_parts: headers only, 8-bit text, a long diagnostic folded")
{
    Controls c = test_controls();
    std::string long_reason = "word";
    for (int i = 0; i < 60; ++i) long_reason += " word";
    Failure f[] = {{"caf\xc3\xa9@x", long_reason}};
    DsnParts p = dsn_parts(envelope_for("", c), c, f, 0, "", true, "B");
    CHECK(p.head.find("To: postmaster@mx.example\n") != std::string::npos);
    CHECK(p.head.find("but the bounce bounced!\n") != std::string::npos);
    CHECK(p.head.find("--- Below this line is the original bounce.\n\n--B\n") != std::string::npos);
    CHECK(p.head.find("Content-Transfer-Encoding: 8bit\n") != std::string::npos);
    CHECK(p.head.find("charset=unknown-8bit") != std::string::npos);
    CHECK(p.head.find("Content-Type: text/rfc822-headers\n") != std::string::npos);
    CHECK(p.head.find("Arrival-Date") == std::string::npos);
    CHECK(p.head.find("Return-Path: <>\n") != std::string::npos);
    auto at = p.head.find("Diagnostic-Code: X-qmail; word");
    REQUIRE(at != std::string::npos);
    auto end = p.head.find("\n\n", at);
    std::string field = p.head.substr(at, end - at);
    std::size_t lines = 0, start = 0;
    while (start < field.size()) {
        auto nl = field.find('\n', start);
        std::string line = field.substr(start, nl == std::string::npos ? nl : nl - start);
        CHECK(line.size() <= 78);
        if (lines > 0) CHECK(line[0] == ' ');
        ++lines;
        start = nl == std::string::npos ? field.size() : nl + 1;
    }
    CHECK(lines > 3);
}
