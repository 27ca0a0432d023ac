// doctest's runner, compiled once in its own object (it takes seconds).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
