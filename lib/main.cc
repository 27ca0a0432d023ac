#include "lib/main.h"

#include "lib/fd.h"
#include "lib/log.h"

#include <cstring>
#include <string>

namespace qs {

int die_usage(std::string_view synopsis, int exit_code)
{
    log::line("usage: " + std::string(synopsis));
    return exit_code;
}

int print_usage(std::string_view synopsis, std::string_view help)
{
    std::string out = "usage: " + std::string(synopsis) + "\n" + std::string(help);
    if (!out.empty() && out.back() != '\n') out += '\n';
    return write_all(1, out.data(), out.size()) ? 0 : 111;
}

int die(const Fault& fault)
{
    log::fatal(fault.text);
    return fault.exit_code;
}

bool wants_help(int argc, char** argv)
{
    return argc > 1 && std::strcmp(argv[1], "--help") == 0;
}

} // namespace qs
