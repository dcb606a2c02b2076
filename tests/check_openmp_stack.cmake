# cmake -DCLI=path/to/f3studio-cli -P check_openmp_stack.cmake
# libgomp ends the process ("libgomp: Thread creation failed") when it cannot start its workers,
# here for a stack of 100 GB each: the CLI must train on one thread with a warning instead, in
# the baseline build and in the one it dispatches to.
foreach(kernels "" "F3_KERNELS=baseline")
  execute_process(COMMAND ${CMAKE_COMMAND} -E env OMP_STACKSIZE=100G ${kernels}
                          ${CLI} train --dataset spiral --layers 16 --epochs 1 --threads 2
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc STREQUAL "0")
    message(FATAL_ERROR "${kernels}: exit ${rc} (0 expected, no signal): ${err}")
  endif()
  if(NOT err MATCHES "warning: the system refused 2 OpenMP threads with a stack of 100G each \\(OMP_STACKSIZE\\): training on one thread")
    message(FATAL_ERROR "${kernels}: no warning about the refused threads: ${err}")
  endif()
  if(NOT out MATCHES "\"epoch\":1")
    message(FATAL_ERROR "${kernels}: did not train: ${out}")
  endif()
endforeach()
message(STATUS "one thread with a warning")
