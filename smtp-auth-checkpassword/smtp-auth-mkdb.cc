// smtp-auth-mkdb [-v [-c] [-d DOMAIN] [-u UID:GID]] CDB TMP < USERS: see smtp-auth-mkdb.8.
#include "lib/cdb_write.h"
#include "lib/fd.h"
#include "lib/log.h"
#include "smtp-auth-checkpassword/mkdb.h"

#include <cerrno>
#include <string>
#include <string_view>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {
constexpr std::string_view usage_text = "usage: smtp-auth-mkdb [-e] [-v [-c] [-d DOMAIN] [-u UID:GID]] CDB TMP < USERS";

[[noreturn]] void usage()
{
    qs::log::fatal(usage_text);
    _exit(100);
}
} // namespace

int main(int argc, char** argv)
{
    qs::log::init(argv[0]);
    if (argc == 2 && std::string_view(argv[1]) == "--help") {
        std::string out = std::string(usage_text) + "\n";
        return qs::write_all(1, out.data(), out.size()) ? 0 : 111;
    }
    qs::auth::MkdbOptions options;
    bool empty_ok = false;
    int opt;
    while ((opt = ::getopt(argc, argv, "+evcd:u:")) != -1) {
        switch (opt) {
        case 'e': empty_ok = true; break;
        case 'v': options.vpasswd = true; break;
        case 'c': options.vpasswd_clear = true; break;
        case 'd': options.domain = optarg; break;
        case 'u': options.ids = optarg; break;
        default: usage();
        }
    }
    if (argc - optind != 2) usage();
    if (!options.vpasswd && (options.vpasswd_clear || !options.domain.empty() || !options.ids.empty())) usage();
    if (!options.ids.empty()) {
        std::string reason;
        auto colon = options.ids.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == options.ids.size() ||
            options.ids.find_first_not_of("0123456789:") != std::string::npos ||
            options.ids.find(':', colon + 1) != std::string::npos)
            usage();
    }

    // a regular file is mapped, anything else read whole
    std::string_view text;
    std::string copy;
    struct stat st;
    void* map = MAP_FAILED;
    if (::fstat(0, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        map = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE, 0, 0);
        if (map != MAP_FAILED) text = std::string_view(static_cast<const char*>(map), static_cast<size_t>(st.st_size));
    }
    if (map == MAP_FAILED) {
        for (;;) {
            size_t have = copy.size();
            copy.resize(have + (1 << 20));
            ssize_t r = ::read(0, copy.data() + have, 1 << 20);
            if (r < 0) {
                copy.resize(have);
                if (errno == EINTR) continue;
                qs::log::fatal(qs::log::with_errno("unable to read the users file", errno));
                return 111;
            }
            copy.resize(have + static_cast<size_t>(r));
            if (r == 0) break;
        }
        text = copy;
    }
    std::vector<qs::CdbRecord> records;
    std::deque<std::string> storage;
    std::vector<std::string> errors, warnings;
    qs::auth::compile_users(text, options, records, storage, errors, &warnings);
    for (const auto& w : warnings) qs::log::warning(w);
    if (!errors.empty()) {
        for (const auto& e : errors) qs::log::fatal(e);
        qs::log::fatal(std::to_string(errors.size()) + " bad line(s): " + argv[optind] + " left as it was");
        return 100;
    }
    if (records.empty() && !empty_ok) {
        // an empty database refuses every login: only on request
        qs::log::fatal(std::string("no users on input: ") + argv[optind] + " left as it was (-e installs an empty one)");
        return 100;
    }
    std::string error;
    if (!qs::write_cdb_atomically(argv[optind], argv[optind + 1], records, error, 0600)) {
        qs::log::fatal(error);
        return 111;
    }
    return 0;
}
