// A scratch directory for unit tests, removed afterwards.
#ifndef QSEND_TESTS_SCRATCH_H
#define QSEND_TESTS_SCRATCH_H

#include <cstdlib>
#include <filesystem>

struct ScratchDir {
    std::filesystem::path path;
    ScratchDir()
    {
        char tmpl[] = "/tmp/qsend-unit.XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    ~ScratchDir() { std::filesystem::remove_all(path); }
};

#endif
