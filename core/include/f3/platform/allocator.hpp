#pragma once

namespace f3 {

// Lets the allocator keep freed blocks of up to 32 MB for reuse instead of returning them to the
// system. A training step allocates and frees the same temporaries (a transformer block's
// token-row matrices are 0.1 to 10 MB) every batch; with glibc's defaults each one came back as
// fresh pages that the kernel had to fault in and zero, which took over two thirds of a step's
// CPU time on the reference vision transformer. Process-wide and idempotent; numbers do not change.
void reuse_freed_memory();

} // namespace f3
