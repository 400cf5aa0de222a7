# Runs one mixprec-toy command that must fail: exit code != 0 and stderr matching EXPECT.
#   cmake -DEXE=<mixprec-toy> -DARGS="a|b|c" -DEXPECT=<regex> [-DWORK=<dir>] [-DGOLDEN=<toynet dir>]
#         -P cli_expect_error.cmake
# With WORK and GOLDEN, first prepares in WORK: `wrong_shape/` (the golden checkpoint with a
# (100, 4) tensor where (100, 100) belongs) and `broken.toml` (a TOML syntax error).
if(DEFINED WORK AND DEFINED GOLDEN)
  file(REMOVE_RECURSE ${WORK}/wrong_shape)
  file(MAKE_DIRECTORY ${WORK}/wrong_shape)
  file(GLOB tensors ${GOLDEN}/*.npy)
  file(COPY ${tensors} DESTINATION ${WORK}/wrong_shape)
  file(COPY_FILE ${GOLDEN}/seq_blocks_0.weight.npy ${WORK}/wrong_shape/seq_blocks_2.weight.npy)
  file(WRITE ${WORK}/broken.toml "[seq_blocks_0.config]\nname = \"integer\"\nweight_width = = 4\n")
endif()
string(REPLACE "|" ";" arg_list "${ARGS}")
execute_process(COMMAND ${EXE} ${arg_list} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "expected a failure, got exit code 0; stdout:\n${out}")
endif()
if(NOT err MATCHES "${EXPECT}")
  message(FATAL_ERROR "exit code ${rc}, but stderr does not match '${EXPECT}':\n${err}")
endif()
message(STATUS "failed as expected (exit code ${rc}): ${err}")
