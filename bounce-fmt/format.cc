// qmail-send's failure notice, byte for byte (qmail 1.03 qmail-send.c
// addbounce() and injectbounce(), quote.c, date822fmt.c).
#include "bounce-fmt/bounce.h"


namespace qs::bounce {

namespace {

// quote.c's table: the bytes below 128 that may stand unquoted in a local
// part (atom characters and '.').
bool atom_byte(unsigned char c)
{
    if (c >= 128 || c <= ' ' || c == 127) return false;
    switch (c) {
    case '"': case '(': case ')': case ',': case ':': case ';': case '<':
    case '>': case '@': case '[': case '\\': case ']':
        return false;
    default:
        return true;
    }
}

bool needs_quotes(std::string_view box)
{
    if (box.empty()) return true;
    for (unsigned char c : box)
        if (!atom_byte(c)) return true;
    if (box.front() == '.' || box.back() == '.') return true;
    return box.find("..") != std::string_view::npos;
}

} // namespace

std::string quote_local(std::string_view box)
{
    if (!needs_quotes(box)) return std::string(box);
    std::string out;
    out.reserve(box.size() * 2 + 2);
    out += '"';
    for (char c : box) {
        if (c == '\r' || c == '\n' || c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

std::string quote_address(std::string_view address)
{
    if (address.empty()) return {};
    auto at = address.rfind('@');
    if (at == std::string_view::npos) return quote_local(address);
    return quote_local(address.substr(0, at)) + std::string(address.substr(at));
}

std::string paragraph(std::string_view recipient, std::string_view report)
{
    if (report.size() > report_max) report = report.substr(0, report_max);
    std::string text = "<";
    for (char c : recipient) text += c == '\n' ? '_' : c;
    text += ">:\n";
    text += report;
    if (!report.empty() && report.back() != '\n') text += '\n';
    // Backwards, so each test sees the byte before it as it was: "\n\n\n"
    // becomes "\n//". The last byte is never touched; the first cannot be.
    for (std::size_t pos = text.size() - 2; pos > 0; --pos)
        if (text[pos] == '\n' && text[pos - 1] == '\n') text[pos] = '/';
    text += '\n';
    return text;
}

Envelope envelope_for(std::string_view sender, const Controls& controls)
{
    Envelope e;
    // qmail-send: "owner-@host-@[]" is "owner-@host", before anything else.
    if (sender.size() >= 4 && sender.substr(sender.size() - 4) == "-@[]")
        sender.remove_suffix(4);
    e.original_sender = sender;
    if (sender == "#@[]") {
        e.kind = Kind::triple_bounce;
    } else if (!sender.empty()) {
        e.kind = Kind::bounce;
        e.recipient = sender;
    } else {
        e.kind = controls.discard_double ? Kind::discarded : Kind::double_bounce;
        e.sender = "#@[]";
        e.recipient = controls.doublebounceto;
    }
    return e;
}

std::string notice_header(const Envelope& envelope, const Controls& controls, std::int64_t now)
{
    std::string out = date822_line(now);
    out += "From: ";
    out += quote_local(controls.bouncefrom);
    out += '@';
    out += controls.bouncehost;
    out += "\nTo: ";
    out += quote_address(envelope.recipient);
    out += "\nSubject: failure notice\n";
    return out;
}

std::string notice_text(const Envelope& envelope, const Controls& controls,
                        std::span<const Failure> failures)
{
    std::string out = "Hi. This is the qmail-send program at ";
    out += controls.bouncehost;
    out += envelope.kind == Kind::bounce
               ? ".\n"
                 "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
                 "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
               : ".\n"
                 "I tried to deliver a bounce message to this address, but the bounce bounced!\n\n";
    for (const auto& f : failures) out += paragraph(f.recipient, f.reason);
    return out;
}

std::string_view break_paragraph(const Envelope& envelope)
{
    return envelope.kind == Kind::bounce ? "--- Below this line is a copy of the message.\n\n"
                                         : "--- Below this line is the original bounce.\n\n";
}

std::string return_path_line(const Envelope& envelope)
{
    return "Return-Path: <" + quote_address(envelope.original_sender) + ">\n";
}

std::string qmail_head(const Envelope& envelope, const Controls& controls,
                       std::span<const Failure> failures, std::int64_t now)
{
    std::string out = notice_header(envelope, controls, now);
    out += '\n';
    out += notice_text(envelope, controls, failures);
    out += break_paragraph(envelope);
    out += return_path_line(envelope);
    return out;
}

} // namespace qs::bounce
