#pragma once
// f3studio-cli: headless training that prints one JSON object per rule per epoch.
#include <iosfwd>
#include <string>
#include <vector>

namespace f3::cli {

// Runs the command line `args` (without the program name). Results go to `out`, messages and the
// progress bar to `err`. Returns the process exit code.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, bool err_is_terminal);

} // namespace f3::cli
