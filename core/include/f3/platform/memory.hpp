#pragma once
// How much memory a run may plan to use. Data sets and training estimate what they will allocate
// before allocating it, so an input that would need GiBs (a CSV file with 1000 classes expands to
// a one-hot matrix of rows x 1000) fails at once with a message instead of filling the machine.
#include <cstdint>
#include <string>

namespace f3 {

// The machine's physical memory (0 when the system does not say).
std::uint64_t physical_memory_bytes();
// The limit: set_memory_limit_bytes's value, else half the physical memory (4 GiB if unknown).
std::uint64_t memory_limit_bytes();
// 0 restores the default. For the whole process (the CLI's --max-memory).
void set_memory_limit_bytes(std::uint64_t bytes);

// "1.5 GiB", "730 MiB", "12 KiB": for messages.
std::string bytes_text(std::uint64_t bytes);
// Empty when `bytes` fits the limit; otherwise "<what> needs about 7.7 GiB, more than the memory
// limit of 4 GiB (half of this machine's 8 GiB)".
std::string memory_problem(std::uint64_t bytes, const std::string& what);

} // namespace f3
