#include "proxy-remoteip/rules.h"

#include "lib/fd.h"
#include "lib/log.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>

namespace qs::proxy {

RuleDecision decide(std::string_view data)
{
    RuleDecision d;
    // NUL-terminated pieces; a piece without its NUL is ignored (rules.c)
    for (size_t nul; (nul = data.find('\0')) != std::string_view::npos; data.remove_prefix(nul + 1)) {
        std::string_view piece = data.substr(0, nul);
        if (piece.starts_with("D")) {
            d.kind = RuleDecision::deny;
        } else if (piece.starts_with("+")) {
            size_t eq = piece.find('=');
            if (eq != std::string_view::npos)
                d.variables.emplace_back(std::string(piece.substr(1, eq - 1)), std::string(piece.substr(eq + 1)));
        }
    }
    if (d.kind == RuleDecision::deny) d.variables.clear();
    return d;
}

namespace {
RuleDecision fault(std::string error)
{
    RuleDecision d;
    d.kind = RuleDecision::fault;
    d.error = std::move(error);
    return d;
}
} // namespace

RuleDecision apply_rules(const std::string& path, std::string_view ip)
{
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return fault(log::with_errno("unable to open PROXY_RULES " + log::escape(path), errno));
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) return fault(log::with_errno("unable to stat PROXY_RULES", errno));
    // A record is bounded by what tcprules writes and by the file itself.
    size_t max_data = std::min(max_rule_data, static_cast<size_t>(st.st_size));
    auto rule = tcprules::find_rule(fd.get(), ip, max_data, "PROXY_RULES " + log::escape(path));
    if (!rule) return fault(rule.fault().text);
    if (*rule) return decide(**rule);
    return RuleDecision{};  // no rule at all: tcpserver allows, setting nothing
}

} // namespace qs::proxy
