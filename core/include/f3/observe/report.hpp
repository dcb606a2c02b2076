#pragma once
// Tables of a run for spreadsheets and papers: one CSV layout each, shared by the CLI and the app.
#include "f3/train/comparison.hpp"

#include <string>
#include <vector>

namespace f3 {

// One row per rule per epoch; per-layer angles in columns update_angle_deg_L1.. (as many as layers).
std::string metrics_csv(const std::vector<EpochMetrics>& history);
// One row per rule per hidden layer per sampled step: alignment and F3 staleness.
std::string instruments_csv(const std::vector<InstrumentReport>& reports);
// The update timeline of sampled steps: header line, then one row per op (logical and measured µs).
std::string timeline_csv_header();
std::string timeline_csv_rows(const InstrumentReport& report);

} // namespace f3
