# Runs a short search on a model folder and a data folder, then re-evaluates every best trial's
# best_config_<n>.toml with `eval --model --data` and checks that eval prints the software metrics
# (loss, accuracy, accuracy_micro) and average_bitwidth that best.json holds for that trial.
#   cmake -DEXE=<mixprec-toy> -DCONFIG=<search.toml> -DMODEL=<dir> -DDATA=<dir> -DOUT=<dir>
#         -DN_TRIALS=<n> -DNUM_SAMPLES=<config's num_samples> -DBATCH_SIZE=<config's batch_size>
#         -P check_eval_best.cmake
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${EXE} search --config ${CONFIG} --model ${MODEL} --data ${DATA} --out ${OUT}
                        --n-trials ${N_TRIALS} --quiet
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "search failed (exit code ${rc}):\n${out}\n${err}")
endif()
file(READ ${OUT}/best.json best)

# A decimal number rounded to 10 fractional digits, as an integer count of 1e-10 (best.json
# writes 10 digits, eval prints the shortest round-trip form).
function(to_e10 value result)
  if(NOT value MATCHES "^([0-9]+)(\\.([0-9]*))?$")
    message(FATAL_ERROR "'${value}': expected a plain non-negative decimal")
  endif()
  set(whole ${CMAKE_MATCH_1})
  string(SUBSTRING "${CMAKE_MATCH_3}00000000000" 0 11 frac11)
  string(REGEX REPLACE "^0+([0-9])" "\\1" frac11 "${frac11}")  # no octal-looking literal for math()
  math(EXPR n "(${whole} * 100000000000 + ${frac11} + 5) / 10")
  set(${result} ${n} PARENT_SCOPE)
endfunction()

string(JSON count LENGTH "${best}")
if(count EQUAL 0)
  message(FATAL_ERROR "${OUT}/best.json has no trial")
endif()
math(EXPR last "${count} - 1")
foreach(i RANGE ${last})
  string(JSON key MEMBER "${best}" ${i})
  string(JSON number GET "${best}" ${key} number)
  set(cfg ${OUT}/best_config_${number}.toml)
  execute_process(COMMAND ${EXE} eval --model ${MODEL} --data ${DATA} --config ${cfg} --num-samples ${NUM_SAMPLES}
                          --batch-size ${BATCH_SIZE}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE printed ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "eval --config ${cfg} failed (exit code ${rc}):\n${err}")
  endif()
  string(JSON evaluated GET "${printed}" num_samples)
  if(NOT evaluated EQUAL NUM_SAMPLES)
    message(FATAL_ERROR "trial ${number}: eval evaluated ${evaluated} samples, expected ${NUM_SAMPLES}")
  endif()
  foreach(metric software_metrics.loss software_metrics.accuracy software_metrics.accuracy_micro
                 hardware_metrics.average_bitwidth)
    string(REPLACE "." ";" path ${metric})
    list(GET path 1 name)
    string(JSON logged GET "${best}" ${key} ${path})
    string(JSON got GET "${printed}" ${name})
    to_e10(${logged} logged_e10)
    to_e10(${got} got_e10)
    if(NOT logged_e10 EQUAL got_e10)
      message(FATAL_ERROR "trial ${number}: eval printed ${name} = ${got}, best.json logged ${logged}\n${printed}")
    endif()
    message(STATUS "trial ${number}: ${name} ${got} (best.json ${logged})")
  endforeach()
endforeach()
message(STATUS "${count} best trial(s) re-evaluated with the metrics the search logged")
