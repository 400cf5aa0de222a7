# Extra tests that need their own compile flags (included by tests/CMakeLists.txt).

# The integer kernels' bits must not depend on the instruction set: the golden integer cases again,
# in an executable built -O3 -march=native (the normal test build uses the default target).
include(CheckCXXCompilerFlag)
check_cxx_compiler_flag(-march=native MIXPREC_HAVE_MARCH_NATIVE)
if(MIXPREC_HAVE_MARCH_NATIVE)
  add_executable(mixprec_test_native native/integer_native_test.cpp $<TARGET_OBJECTS:mixprec_doctest_main>)
  target_link_libraries(mixprec_test_native PRIVATE mixprec::mixprec mixprec_dev_flags doctest::doctest)
  target_compile_definitions(mixprec_test_native PRIVATE
    MIXPREC_TEST_DATA_DIR="${MIXPREC_TEST_DATA_DIR}"
    MIXPREC_TEST_BINARY_DIR="${CMAKE_CURRENT_BINARY_DIR}")
  target_compile_options(mixprec_test_native PRIVATE -O3 -march=native)
  add_test(NAME native_bits COMMAND mixprec_test_native)
  set_tests_properties(native_bits PROPERTIES WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
endif()
