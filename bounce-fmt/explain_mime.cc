// The few pieces of RFC 5322 and MIME a notice is read with, bounded: a
// header block, Content-Type, the two transfer encodings and the walk over
// the parts. Newlines are "\n" here (read_notice normalises CRLF and CR).
#include "bounce-fmt/explain_lines.h"

#include "lib/ascii.h"
#include "lib/base64.h"
#include "lib/hex.h"

namespace qs::bounce::explain {

namespace {

// A field name: printable ASCII without ':' or space (RFC 5322 ftext).
bool field_name(std::string_view name)
{
    if (name.empty()) return false;
    for (char c : name)
        if (c <= ' ' || c >= 0x7f) return false;
    return true;
}

// Types whose body is a returned message, not the notice's own words.
bool returned_message(std::string_view type)
{
    return type == "message/rfc822" || type == "text/rfc822-headers" ||
           type == "message/rfc822-headers" || type == "message/global" ||
           type == "message/global-headers" || type == "message/partial" ||
           type == "message/external-body";
}

struct Walk {
    std::vector<Part> out;
    std::size_t visited = 0;

    void part(std::string_view text, int depth)
    {
        if (++visited > parts_max || depth > depth_max) return;
        Header header = parse_header(text);
        std::string_view body = text.substr(header.body_offset);
        auto ct_field = header.get("Content-Type");
        ContentType ct = parse_content_type(ct_field.value_or(""));
        if (ct.type.empty() || ct.type.find('/') == std::string::npos) ct.type = "text/plain";
        if (returned_message(ct.type)) return;
        std::string boundary = ct.param("boundary");
        if (ct.type.starts_with("multipart/") && !boundary.empty() && boundary.size() <= 200) {
            if (multipart(body, boundary, depth)) return;
        }
        std::string encoding = ascii::lowered(trim(header.get("Content-Transfer-Encoding").value_or("")));
        Part leaf;
        leaf.type = ct.type.starts_with("multipart/") ? "text/plain" : ct.type;
        leaf.depth = depth;
        if (encoding == "base64") leaf.body = decode_base64(body);
        else if (encoding == "quoted-printable") leaf.body = decode_quoted_printable(body);
        else leaf.body = std::string(body);
        out.push_back(std::move(leaf));
    }

    // Walks the parts between "--boundary" lines; false when there is no
    // delimiter line at all (the body is then read as text).
    bool multipart(std::string_view body, std::string_view boundary, int depth)
    {
        std::string delimiter = "--" + std::string(boundary);
        std::size_t start = std::string_view::npos;  // where the current part begins
        bool any = false;
        for (std::size_t at = 0; at <= body.size();) {
            std::size_t nl = body.find('\n', at);
            std::size_t end = nl == std::string_view::npos ? body.size() : nl;
            std::string_view line = body.substr(at, end - at);
            if (line.starts_with(delimiter)) {
                std::string_view rest = trim(line.substr(delimiter.size()));
                bool closing = rest == "--";
                if (rest.empty() || closing) {
                    if (start != std::string_view::npos) {
                        // The newline before a delimiter belongs to it.
                        std::size_t stop = at > start ? at - 1 : start;
                        part(body.substr(start, stop - start), depth + 1);
                    }
                    any = true;
                    if (closing || visited > parts_max) return true;
                    start = nl == std::string_view::npos ? body.size() : nl + 1;
                }
            }
            if (nl == std::string_view::npos) break;
            at = nl + 1;
        }
        // A last part without its closing delimiter (a cut notice) still counts.
        if (start != std::string_view::npos && start < body.size())
            part(body.substr(start), depth + 1);
        return any;
    }
};

} // namespace

std::optional<std::string_view> Header::get(std::string_view name) const
{
    for (const Field& f : fields)
        if (ascii::iequals(f.name, name)) return std::string_view(f.value);
    return std::nullopt;
}

Header parse_header(std::string_view text)
{
    Header h;
    std::size_t at = 0;
    // An mbox separator line is not a field.
    if (text.starts_with("From ")) {
        std::size_t nl = text.find('\n');
        at = nl == std::string_view::npos ? text.size() : nl + 1;
    }
    bool previous_kept = false;
    while (at < text.size()) {
        std::size_t nl = text.find('\n', at);
        std::size_t end = nl == std::string_view::npos ? text.size() : nl;
        std::string_view line = text.substr(at, end - at);
        std::size_t next = nl == std::string_view::npos ? text.size() : nl + 1;
        if (line.empty()) {
            h.body_offset = next;
            return h;
        }
        if (line[0] == ' ' || line[0] == '\t') {
            if (previous_kept) h.fields.back().value.append(line);
            at = next;
            continue;
        }
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos || !field_name(trim(line.substr(0, colon)))) break;
        previous_kept = h.fields.size() < fields_max;
        if (previous_kept)
            h.fields.push_back({std::string(trim(line.substr(0, colon))),
                                std::string(line.substr(colon + 1))});
        at = next;
    }
    // No empty line: the body starts at the first line that is not a field.
    h.body_offset = at;
    return h;
}

std::string ContentType::param(std::string_view name) const
{
    for (const auto& [n, v] : params)
        if (n == name) return v;
    return "";
}

ContentType parse_content_type(std::string_view value)
{
    ContentType ct;
    std::size_t semi = value.find(';');
    ct.type = ascii::lowered(trim(value.substr(0, semi)));
    // A comment after the type ("text/plain (x)") is not part of it.
    if (auto sp = ct.type.find_first_of(" \t("); sp != std::string::npos) ct.type.resize(sp);
    std::size_t at = semi == std::string_view::npos ? value.size() : semi + 1;
    while (at < value.size() && ct.params.size() < 32) {
        while (at < value.size() && (value[at] == ' ' || value[at] == '\t' || value[at] == '\n' ||
                                     value[at] == ';'))
            ++at;
        std::size_t eq = value.find('=', at);
        if (eq == std::string_view::npos) break;
        std::string name = ascii::lowered(trim(value.substr(at, eq - at)));
        at = eq + 1;
        while (at < value.size() && (value[at] == ' ' || value[at] == '\t')) ++at;
        std::string v;
        if (at < value.size() && value[at] == '"') {
            for (++at; at < value.size() && value[at] != '"'; ++at) {
                if (value[at] == '\\' && at + 1 < value.size()) ++at;
                v += value[at];
            }
            if (at < value.size()) ++at;  // the closing quote
        } else {
            std::size_t end = value.find_first_of("; \t\n", at);
            if (end == std::string_view::npos) end = value.size();
            v = std::string(value.substr(at, end - at));
            at = end;
        }
        ct.params.emplace_back(std::move(name), std::move(v));
    }
    return ct;
}

std::string decode_base64(std::string_view text)
{
    std::string out;
    out.reserve(text.size() / 4 * 3);
    unsigned bits = 0;
    int count = 0;
    for (char c : text) {
        if (c == '=') break;
        int v = base64::value(c);
        if (v < 0) continue;  // line breaks, white space, junk
        bits = (bits << 6) | static_cast<unsigned>(v);
        if (++count == 4) {
            out += static_cast<char>((bits >> 16) & 0xff);
            out += static_cast<char>((bits >> 8) & 0xff);
            out += static_cast<char>(bits & 0xff);
            bits = 0;
            count = 0;
        }
    }
    if (count == 2) out += static_cast<char>((bits >> 4) & 0xff);
    if (count == 3) {
        out += static_cast<char>((bits >> 10) & 0xff);
        out += static_cast<char>((bits >> 2) & 0xff);
    }
    return out;
}

std::string decode_quoted_printable(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c != '=') {
            out += c;
            continue;
        }
        // "=" then white space to the end of the line: a soft line break.
        std::size_t j = i + 1;
        while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
        if (j == text.size() || text[j] == '\n') {
            i = j;
            continue;
        }
        if (i + 2 < text.size() && hex::value(text[i + 1]) >= 0 && hex::value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex::value(text[i + 1]) * 16 + hex::value(text[i + 2]));
            i += 2;
            continue;
        }
        out += c;  // a lone "=" stays
    }
    return out;
}

std::vector<Part> leaves(std::string_view message)
{
    Walk walk;
    walk.part(message, 0);
    return std::move(walk.out);
}

} // namespace qs::bounce::explain
