// libFuzzer target: experiment files (the strict JSON reader and the format on top of it) on
// arbitrary text. ExperimentError is the documented refusal; anything else (another exception such
// as NameError or std::bad_variant_access, a crash, a leak, a sanitizer report) is a finding. A file
// that is accepted must also survive what the app does with it: written back (to_json) it reads
// again without warnings and writes the same text.
#include "f3/io/experiment.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    f3::Experiment experiment;
    try {
        std::vector<std::string> warnings;
        experiment = f3::parse_experiment(text, "fuzz.json", &warnings);
    } catch (const f3::ExperimentError&) {
        return 0;
    }
    const std::string written = f3::to_json(experiment);
    std::vector<std::string> warnings;
    try {
        if (f3::to_json(f3::parse_experiment(written, "written.json", &warnings)) != written) std::abort();
    } catch (const f3::ExperimentError&) {
        std::abort(); // the writer produced a file the reader refuses
    }
    if (!warnings.empty()) std::abort();
    return 0;
}
