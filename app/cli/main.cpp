#include "cli.hpp"

#include "f3/kernels.hpp"

#include <iostream>
#include <unistd.h>

int main(int argc, char** argv) {
    f3::use_fastest_build(argv);
    std::ios::sync_with_stdio(false);
    const std::vector<std::string> args(argv + 1, argv + argc);
    return f3::cli::run(args, std::cout, std::cerr, isatty(STDERR_FILENO) == 1);
}
