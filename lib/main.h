// For programs' main functions only (never for domain modules, which
// return a Result): the one way a program states misuse or stops.
//
// Every PROG.cc has the same shape: a literal program name, qs::log::init,
// argv parsed into an options struct (die_usage on misuse, print_usage on
// --help), then one call into the family.
#ifndef QSEND_LIB_MAIN_H
#define QSEND_LIB_MAIN_H

#include "lib/result.h"

#include <string_view>

namespace qs {

// "PROG: usage: SYNOPSIS" as one log line; returns the exit code a main
// returns for misuse (100 unless the contract says otherwise).
int die_usage(std::string_view synopsis, int exit_code = 100);
// --help: "usage: SYNOPSIS" and the lines of help on standard output;
// returns 0, or 111 when standard output cannot be written.
int print_usage(std::string_view synopsis, std::string_view help = {});
// "PROG: fatal: TEXT"; returns the fault's exit code.
int die(const Fault& fault);

// True when argv[1] is --help (every admin tool answers it).
bool wants_help(int argc, char** argv);

} // namespace qs

#endif
