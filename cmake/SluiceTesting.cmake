# sluice_gtest(NAME LABEL unit|bpf|netns SOURCES ... LIBS ...)
#
# One GoogleTest binary registered with ctest under a label. Tests that need
# root or a kernel feature call GTEST_SKIP(); a binary whose tests all
# skipped exits 77 (base/testing/gtest_main.cc) and ctest reports it as
# skipped, never as passed. Any failure fails it.
function(sluice_gtest NAME)
  cmake_parse_arguments(T "" "LABEL" "SOURCES;LIBS" ${ARGN})
  add_executable(${NAME} ${T_SOURCES} ${CMAKE_SOURCE_DIR}/base/testing/gtest_main.cc)
  target_link_libraries(${NAME} PRIVATE ${T_LIBS} GTest::gtest)
  add_test(NAME ${NAME} COMMAND ${NAME})
  set_tests_properties(${NAME} PROPERTIES LABELS ${T_LABEL} SKIP_RETURN_CODE 77)
endfunction()

# sluice_benchmark(NAME SOURCES ... LIBS ...): Google Benchmark binary,
# registered under the `perf` label, which the default test run excludes.
function(sluice_benchmark NAME)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${NAME} ${T_SOURCES})
  target_link_libraries(${NAME} PRIVATE ${T_LIBS} benchmark::benchmark)
  add_test(NAME ${NAME} COMMAND ${NAME} --benchmark_min_time=0.2)
  set_tests_properties(${NAME} PROPERTIES LABELS perf)
endfunction()
