// bounce-explain's pieces: the MIME reading and its bounds, the formats,
// the reason classes, the language, and what is made safe to show.
#include "bounce-fmt/explain.h"

#include <doctest/doctest.h>
#include <string>

using namespace qs::bounce::explain;

namespace {

std::string nested(int depth, std::string_view leaf)
{
    std::string s = "Content-Type: multipart/mixed; boundary=\"b0\"\n\n";
    for (int i = 1; i < depth; ++i)
        s += "--b" + std::to_string(i - 1) + "\nContent-Type: multipart/mixed; boundary=\"b" +
             std::to_string(i) + "\"\n\n";
    s += "--b" + std::to_string(depth - 1) + "\n";
    s += leaf;
    return s;
}

constexpr std::string_view dsn_leaf =
    "Content-Type: message/delivery-status\n\n"
    "Reporting-MTA: dns; mx.example.net\n\n"
    "Final-Recipient: rfc822; deep@example.com\nAction: failed\nStatus: 5.1.1\n";

} // namespace

TEST_CASE("parse_header: unfolding, CRLF left to the caller, the body offset, the field cap")
{
    Header h = parse_header("From: a@b\nSubject: one\n two\nX: y\n\nbody\n");
    CHECK(h.get("from") == std::optional<std::string_view>(" a@b"));
    CHECK(h.get("SUBJECT") == std::optional<std::string_view>(" one two"));
    CHECK(h.body_offset == std::string_view("From: a@b\nSubject: one\n two\nX: y\n\n").size());
    CHECK_FALSE(h.get("To"));
    // No empty line: the body starts at the first line that is not a field.
    Header no_blank = parse_header("A: b\nnot a field\n");
    CHECK(no_blank.fields.size() == 1);
    CHECK(no_blank.body_offset == 5);
    CHECK(parse_header("just text").body_offset == 0);
    CHECK(parse_header("\nbody").body_offset == 1);
    // An mbox separator is skipped.
    CHECK(parse_header("From x@y Mon Jan 1\nSubject: s\n\n").get("Subject"));
    std::string many;
    for (int i = 0; i < 1000; ++i) many += "X-A: b\n";
    many += "From: late@example.org\n\n";
    Header capped = parse_header(many);
    CHECK(capped.fields.size() == fields_max);
    CHECK(capped.body_offset == many.size());
}

TEST_CASE("parse_content_type: type in lower case, quoted and bare parameters")
{
    ContentType ct = parse_content_type(" Multipart/Report; report-type=delivery-status;\n\tboundary=\"a \\\"b\\\" c\"");
    CHECK(ct.type == "multipart/report");
    CHECK(ct.param("report-type") == "delivery-status");
    CHECK(ct.param("boundary") == "a \"b\" c");
    CHECK(parse_content_type("text/plain (comment)").type == "text/plain");
    CHECK(parse_content_type("").type.empty());
    CHECK(parse_content_type("text/plain; charset=").param("charset").empty());
}

TEST_CASE("decoding: base64 and quoted-printable never grow the input")
{
    CHECK(decode_base64("SGVs\nbG8=") == "Hello");
    CHECK(decode_base64("SGVsbG8") == "Hello");
    CHECK(decode_base64("!!!") == "");
    CHECK(decode_quoted_printable("a=3Db=\nc= \nd=4") == "a=bcd=4");
    CHECK(decode_quoted_printable("=E3=81=82") == "\xe3\x81\x82");
    std::string junk(10000, '=');
    CHECK(decode_quoted_printable(junk).size() <= junk.size());
    CHECK(decode_base64(junk).empty());
}

TEST_CASE("leaves: parts decoded, returned messages skipped, nesting bounded")
{
    std::string m = "Content-Type: multipart/report; boundary=\"x\"\n\npreamble\n"
                    "--x\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\naGk=\n"
                    "--x\nContent-Type: message/rfc822\n\nSubject: inner\n\nHi. This is the qmail-send\n"
                    "--x--\nepilogue\n";
    auto parts = leaves(m);
    REQUIRE(parts.size() == 1);
    CHECK(parts[0].type == "text/plain");
    CHECK(parts[0].body == "hi");
    CHECK(parts[0].depth == 1);
    CHECK(leaves(nested(depth_max, dsn_leaf)).back().type == "message/delivery-status");
    for (const Part& p : leaves(nested(depth_max + 2, dsn_leaf)))
        CHECK(p.type != "message/delivery-status");
    // A boundary that never appears: the body is text.
    auto broken = leaves("Content-Type: multipart/mixed; boundary=zz\n\njust text\n");
    REQUIRE(broken.size() == 1);
    CHECK(broken[0].body == "just text\n");
    std::string many = "Content-Type: multipart/mixed; boundary=b\n\n";
    for (int i = 0; i < 1000; ++i) many += "--b\n\nx\n";
    CHECK(leaves(many).size() < parts_max);
}

TEST_CASE("find_enhanced_code and clean_address")
{
    CHECK(find_enhanced_code("550 5.1.1 <a@b>... User unknown") == "5.1.1");
    CHECK(find_enhanced_code("550-5.7.26 Unauthenticated") == "5.7.26");
    CHECK(find_enhanced_code("(#4.4.1)") == "4.4.1");
    CHECK(find_enhanced_code("5.1.351 Remote") == "5.1.351");
    CHECK(find_enhanced_code("host 192.0.2.153 said 550") == "");
    CHECK(find_enhanced_code("version 2.0.0.1") == "");
    CHECK(find_enhanced_code("5.7.1001 wide") == "");
    CHECK(find_enhanced_code("x5.1.1 glued") == "");
    CHECK(find_enhanced_code("3.1.1 class three") == "");
    CHECK(clean_address("rfc822; <Kijitora@Example.JP>") == "Kijitora@Example.JP");
    CHECK(clean_address("kijitora@example.com<mailto:kijitora@example.com>") == "kijitora@example.com");
    CHECK(clean_address("  a@b.example.  ") == "a@b.example");
    CHECK(clean_address("\"neko..\"@libsisimai.org") == "\"neko..\"@libsisimai.org");
    CHECK(clean_address("pipe to |/bin/x") == "");
    CHECK(clean_address("@domain") == "");
    CHECK(clean_address("user@") == "");
}

TEST_CASE("classify: the words first, then the code")
{
    CHECK(classify("5.1.1", "Sorry, no mailbox here by that name. (#5.1.1)") == Class::user_unknown);
    CHECK(classify("5.1.2", "Sorry, I couldn't find any host named x. (#5.1.2)") == Class::host_unknown);
    CHECK(classify("5.4.4", "Sorry, I couldn't find a mail exchanger or IP address. (#5.4.4)") ==
          Class::host_unknown);
    CHECK(classify("4.4.1", "Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)") ==
          Class::timeout);
    CHECK(classify("5.5.0", "Sorry, no SMTP connection got far enough; most progress was no "
                            "connection to remote host 192.0.2.1. (#5.5.0)") == Class::timeout);
    // The same qmail patch, but the remote server said who is unknown.
    CHECK(classify("5.5.0", "Sorry, no SMTP connection got far enough; most progress was RCPT TO "
                            "response; remote host 192.0.2.32 said: 550 Unknown user") ==
          Class::user_unknown);
    CHECK(classify("4.3.0", "user is over quota: disk quota exceeded. (#4.3.0)") == Class::mailbox_full);
    CHECK(classify("5.2.2", "") == Class::mailbox_full);
    CHECK(classify("5.3.4", "552 Message size exceeds fixed maximum") == Class::too_large);
    CHECK(classify("5.7.26", "Unauthenticated email ... DMARC policy") == Class::authentication);
    CHECK(classify("5.7.1", "Message rejected as spam; set up SPF records") == Class::policy);
    CHECK(classify("5.7.1", "554 5.7.1 Service unavailable; client host blocked using Spamhaus") ==
          Class::policy);
    CHECK(classify("5.0.0", "SMTP error after MAIL FROM: 550 Please use your ISP's server") == Class::policy);
    CHECK(classify("5.4.6", "This message is looping: it already has my Delivered-To line. (#5.4.6)") ==
          Class::other);
    CHECK(classify("4.4.3", "Unable to contact LDAP server. (#4.4.3)I'm not going to try again; "
                            "this message has been in the queue too long.") == Class::other);
    // The queue-lifetime line decides only when nothing else does.
    CHECK(classify("4.0.0", "I'm not going to try again; this message has been in the queue too long.") ==
          Class::timeout);
    CHECK(classify("5.0.0", "") == Class::other);
    CHECK(classify("", "") == Class::other);
    CHECK(class_name(Class::too_large) == "too_large");
    CHECK(permanent("5.1.1"));
    CHECK_FALSE(permanent("4.4.1"));
    CHECK_FALSE(permanent(""));
}

TEST_CASE("read_notice: qmail's text, the double bounce, and the break paragraph")
{
    std::string qmail = "From: MAILER-DAEMON@mail.example.jp\nSubject: failure notice\n\n"
                        "Hi. This is the qmail-send program at mail.example.jp.\n"
                        "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
                        "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
                        "<a@domain.jp>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n"
                        "--- Below this line is a copy of the message.\n\n"
                        "Return-Path: <x@y>\n\n<b@domain.jp>:\nnot a recipient\n";
    auto n = read_notice(qmail);
    REQUIRE(n);
    CHECK(n->format == Format::qmail);
    REQUIRE(n->recipients.size() == 1);
    CHECK(n->recipients[0].address == "a@domain.jp");
    CHECK(n->recipients[0].status == "5.1.1");
    CHECK(n->from == "MAILER-DAEMON@mail.example.jp");
    CHECK(from_this_host(*n, "MAILER-DAEMON", "mail.example.jp"));
    CHECK(from_this_host(*n, "mailer-daemon", "MAIL.example.jp"));
    CHECK_FALSE(from_this_host(*n, "MAILER-DAEMON", "other.example"));
    // CRLF is the same notice.
    std::string crlf;
    for (char c : qmail) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    auto n2 = read_notice(crlf);
    REQUIRE(n2);
    CHECK(n2->recipients[0].address == "a@domain.jp");

    std::string dbl = "Subject: failure notice\n\nHi. This is the qmail-send program at h.\n"
                      "I tried to deliver a bounce message to this address, but the bounce bounced!\n\n"
                      "<gone@example.org>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n"
                      "--- Below this line is the original bounce.\n";
    auto d = read_notice(dbl);
    REQUIRE(d);
    CHECK(d->format == Format::qmail_double);
    CHECK(d->recipients[0].address == "gone@example.org");
}

TEST_CASE("read_notice: RFC 3464, delays, the text formats, and what is not a notice")
{
    std::string dsn = "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n"
                      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n"
                      "--B\nContent-Type: text/plain\n\nsorry\n\n"
                      "--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n"
                      "Final-Recipient: rfc822; a@example.com\nAction: failed\nStatus: 5.0.0\n"
                      "Diagnostic-Code: smtp; 550 5.1.1 <a@example.com>: User\n unknown\n\n"
                      "Final-Recipient: rfc822; ok@example.com\nAction: delivered\nStatus: 2.0.0\n\n"
                      "Original-Recipient: rfc822; b@example.com\nAction: failed\nStatus: 4.4.7\n"
                      "Diagnostic-Code: smtp; 450 4.7.1 Client host rejected\n\n"
                      "--B--\n";
    auto n = read_notice(dsn);
    REQUIRE(n);
    CHECK(n->format == Format::rfc3464);
    CHECK(n->from == "MAILER-DAEMON@mx.example.net");
    REQUIRE(n->recipients.size() == 2);
    CHECK(n->recipients[0].address == "a@example.com");
    CHECK(n->recipients[0].status == "5.1.1");
    CHECK(n->recipients[0].diagnostic == "550 5.1.1 <a@example.com>: User unknown");
    CHECK(n->recipients[1].address == "b@example.com");
    CHECK(n->recipients[1].status == "4.7.1");

    std::string delay = "Content-Type: multipart/report; boundary=B\n\n--B\n"
                        "Content-Type: message/delivery-status\n\n"
                        "Final-Recipient: rfc822; a@example.com\nAction: delayed\nStatus: 4.4.1\n\n--B--\n";
    auto w = read_notice(delay);
    REQUIRE(w);
    CHECK(w->delay_warning);
    CHECK(w->recipients.empty());

    auto exim = read_notice(
        "Subject: Mail delivery failed\n\n"
        "This message was created automatically by mail delivery software.\n\n"
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) failed:\n\n"
        "  a@example.jp\n    SMTP error from remote mail server after RCPT TO:<a@example.jp>:\n"
        "    host mx [192.0.2.1]: 550 5.1.1 User unknown\n"
        "  b@example.jp\n    retry timeout exceeded\n\n"
        "------ This is a copy of the message, including all the headers. ------\n");
    REQUIRE(exim);
    CHECK(exim->format == Format::exim);
    REQUIRE(exim->recipients.size() == 2);
    CHECK(exim->recipients[0].status == "5.1.1");
    CHECK(exim->recipients[1].address == "b@example.jp");
    CHECK(exim->recipients[1].status == "5.0.0");

    auto gmail = read_notice("Subject: Delivery Status Notification (Failure)\n\n"
                             "Delivery to the following recipient failed permanently:\n\n"
                             "     a@example.jp\n\nTechnical details of permanent failure:\n"
                             "The error that the other server returned was:\n550 5.1.1 no such user\n\n"
                             "----- Original message -----\n\nSubject: x\n");
    REQUIRE(gmail);
    CHECK(gmail->format == Format::gmail);
    CHECK(gmail->recipients[0].status == "5.1.1");
    CHECK(gmail->recipients[0].diagnostic == "550 5.1.1 no such user");

    auto ms = read_notice("Subject: Undeliverable\n\nDelivery has failed to these recipients or groups:\n\n"
                          "a@example.com\nRemote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound'\n");
    REQUIRE(ms);
    CHECK(ms->format == Format::microsoft);
    CHECK(ms->recipients[0].status == "5.1.10");

    auto postfix = read_notice("Subject: Undelivered Mail\n\nThis is the mail system at host mx.\n\n"
                               "<a@example.com>: host mx[192.0.2.1] said: 550 5.1.1 unknown\n"
                               "    (in reply to RCPT TO command)\n");
    REQUIRE(postfix);
    CHECK(postfix->format == Format::postfix);
    CHECK(postfix->recipients[0].address == "a@example.com");

    CHECK_FALSE(read_notice(""));
    CHECK_FALSE(read_notice("Subject: hello\n\nHi. This is the author, writing a letter.\n"));
    CHECK_FALSE(read_notice(std::string(100000, '\0')));
    CHECK_FALSE(read_notice(nested(depth_max + 5, dsn_leaf)));
}

TEST_CASE("language_of: the first non-empty of LC_ALL, LC_MESSAGES, LANG")
{
    using O = std::optional<std::string_view>;
    CHECK(language_of(O(), O(), O()) == Language::english);
    CHECK(language_of(O(), O(), O("ja_JP.UTF-8")) == Language::japanese);
    CHECK(language_of(O(""), O("ja"), O("C")) == Language::japanese);
    CHECK(language_of(O("C"), O("ja"), O("ja")) == Language::english);
    CHECK(language_of(O("en_US"), O(), O("ja_JP")) == Language::english);
    CHECK(language_of(O(), O(), O("jam")) == Language::japanese);  // "ja..." as documented
}

TEST_CASE("printable and json_string: valid UTF-8 out, no control characters")
{
    CHECK(printable("plain") == "plain");
    CHECK(printable("\xe5\xae\x9b\xe5\x85\x88") == "\xe5\xae\x9b\xe5\x85\x88");
    CHECK(printable(std::string("a\0b", 3)) == "a b");
    CHECK(printable("\x1b]0;x\x07") == " ]0;x ");
    CHECK(printable("\xc2\x85") == " ");                  // C1 NEL
    CHECK(printable("\xe2\x80\xae") == " ");              // RIGHT-TO-LEFT OVERRIDE
    CHECK(printable("\xff") == "\xef\xbf\xbd");
    CHECK(printable("\xc0\xaf") == "\xef\xbf\xbd\xef\xbf\xbd");  // overlong
    CHECK(printable("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // surrogate
    CHECK(printable("\xe5\xae") == "\xef\xbf\xbd\xef\xbf\xbd");  // cut short
    CHECK(json_string("a\"b\\c\nd") == "\"a\\\"b\\\\c d\"");
}

TEST_CASE("explain: texts for every class in both languages, the origin, the double bounce")
{
    for (int c = 0; c <= static_cast<int>(Class::other); ++c) {
        auto cls = static_cast<Class>(c);
        CHECK_FALSE(class_label(cls, Language::english).empty());
        CHECK_FALSE(class_label(cls, Language::japanese).empty());
        CHECK(class_label(cls, Language::english) != class_label(cls, Language::japanese));
    }
    Failed f{"a@domain.jp", "5.1.1", "Sorry, no mailbox here by that name. (#5.1.1)"};
    Explained en = explain(f, Format::qmail, Origin::this_host, "mail.example.jp", Language::english);
    CHECK(en.cls == Class::user_unknown);
    CHECK(en.permanent);
    CHECK(en.advice.find("part before @") != std::string::npos);
    CHECK(en.explanation.find("mail.example.jp") != std::string::npos);
    Explained ja = explain(f, Format::qmail, Origin::elsewhere, "", Language::japanese);
    CHECK(ja.advice.find("@より前") != std::string::npos);
    CHECK(ja.explanation.find("相手先サーバー") != std::string::npos);
    Explained unknown = explain(f, Format::rfc3464, Origin::unknown, "", Language::english);
    CHECK(unknown.explanation == unknown.advice);
    Explained dbl = explain(f, Format::qmail_double, Origin::this_host, "h", Language::english);
    CHECK(dbl.advice.find("double bounce") != std::string::npos);
    CHECK(dbl.advice.find("send the message again") == std::string::npos);
    Failed later{"b@x.example", "4.2.2", "452 4.2.2 Mailbox full"};
    Explained t = explain(later, Format::qmail, Origin::this_host, "h", Language::english);
    CHECK_FALSE(t.permanent);
    CHECK(t.advice.find("temporary") != std::string::npos);
    std::string line = json_line(t, "");
    CHECK(line.starts_with("{\"address\":\"b@x.example\",\"status\":\"4.2.2\",\"class\":\"mailbox_full\","
                           "\"permanent\":false,"));
    CHECK(line.find("\"from_this_host\":true") != std::string::npos);
    CHECK(line.ends_with("}\n"));
    CHECK(json_line(explain(f, Format::qmail, Origin::unknown, "", Language::english), "f")
              .find("\"from_this_host\":null") != std::string::npos);
}
