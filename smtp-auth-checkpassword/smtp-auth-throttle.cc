// smtp-auth-throttle [-c KEY | -p]: see smtp-auth-throttle.8.
#include "lib/env.h"
#include "lib/fd.h"
#include "lib/ipaddr.h"
#include "lib/log.h"
#include "lib/store.h"
#include "smtp-auth-checkpassword/throttle.h"

#include <algorithm>
#include <ctime>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace {
constexpr std::string_view usage_text = "usage: smtp-auth-throttle [-c ADDRESS|USER|ADDRESS/USER | -p]";

[[noreturn]] void usage()
{
    qs::log::fatal(usage_text);
    _exit(100);
}
} // namespace

int main(int argc, char** argv)
{
    using namespace qs::auth;
    qs::log::init(argv[0]);
    if (argc == 2 && std::string_view(argv[1]) == "--help") {
        std::string out = std::string(usage_text) + "\n";
        return qs::write_all(1, out.data(), out.size()) ? 0 : 111;
    }
    const char* clear = nullptr;
    bool prune = false;
    int opt;
    while ((opt = ::getopt(argc, argv, "+c:p")) != -1) {
        if (opt == 'c') clear = optarg;
        else if (opt == 'p') prune = true;
        else usage();
    }
    if (optind != argc || (clear && prune)) usage();
    auto dir = qs::env::get("CHKPW_STATE");
    if (!dir || dir->empty()) {
        qs::log::fatal("CHKPW_STATE is not set");
        return 111;
    }
    std::string bad;
    auto config = throttle_config_from_env(bad, prune ? ConfigUse::pruning : ConfigUse::checking);
    if (!config) {
        qs::log::fatal("bad " + bad);
        return 111;
    }
    auto store = qs::open_directory_store(*dir);
    if (clear) {
        ThrottleKey key = parse_admin_key(clear);
        if (store->remove(store_key(key)) == qs::StoreResult::fault) {
            qs::log::fatal(store->error());
            return 111;
        }
        return 0;
    }
    const long long now = ::time(nullptr);
    std::vector<std::string> lines, stale_keys;
    auto r = store->scan([&](std::string_view key, std::string_view value) {
        auto k = parse_store_key(key);
        auto c = parse_counter(value);
        if (!k || !c || stale(*c, *config, now)) {
            stale_keys.emplace_back(key);
            return;
        }
        bool counting = c->fails > 0 && now - c->first < static_cast<long long>(config->window);
        if (!counting && c->locked_until <= now) return;
        std::string line = k->address ? canonical(*k->address) : "-";
        line += ' ';
        line += k->user.empty() ? "-" : qs::log::escape(k->user);
        line += " failures=" + std::to_string(counting ? c->fails : 0);
        line += " locked=" + std::to_string(c->locked_until > now ? c->locked_until - now : 0);
        lines.push_back(line + '\n');
    });
    if (r == qs::StoreResult::fault) {
        qs::log::fatal(store->error());
        return 111;
    }
    if (prune) {
        // re-checked under the store's lock: a login may have touched it since
        for (const auto& key : stale_keys) {
            auto u = store->update(key, [&](const std::string* current) {
                auto c = current ? parse_counter(*current) : std::nullopt;
                if (current && c && !stale(*c, *config, now)) return qs::StoreChange{qs::StoreChange::keep, {}};
                return qs::StoreChange{qs::StoreChange::erase, {}};
            });
            if (u == qs::StoreResult::fault) {
                qs::log::fatal(store->error());
                return 111;
            }
        }
        return 0;
    }
    std::sort(lines.begin(), lines.end());
    std::string out;
    for (const auto& l : lines) out += l;
    if (!qs::write_all(1, out.data(), out.size())) return 111;
    return 0;
}
