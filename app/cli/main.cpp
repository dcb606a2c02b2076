#include "cli.hpp"

#include "f3/platform/kernels.hpp"

#include <iostream>
#include <unistd.h>

int main(int argc, char** argv) {
    f3::configure_process(argv);
    std::ios::sync_with_stdio(false);
    const std::vector<std::string> args(argv + 1, argv + argc);
    return f3::cli::run(args, std::cout, std::cerr, isatty(STDERR_FILENO) == 1);
}
