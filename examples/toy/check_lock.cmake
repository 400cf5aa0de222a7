# A search folder in use is locked: with the lock held (as a running search holds it, here by
# flock(1)), a second search and a --resume on that folder fail at once naming the folder, and
# the first search's files are left as they were. flock(1) records no pid, and the first search
# forgot its own when it ended, so the message names no stale pid.
#   cmake -DEXE=<mixprec-toy> -DCONFIG=<toml> -DLOAD=<checkpoint> -DWORK=<dir> -DFLOCK=<flock> -P check_lock.cmake
set(out ${WORK}/locked)
set(common search --config ${CONFIG} --load ${LOAD} --out ${out} --quiet)
file(REMOVE_RECURSE ${out})
execute_process(COMMAND ${EXE} ${common} --n-trials 3 RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "first search failed (${rc}): ${err}")
endif()
foreach(f log.json best.json journal.jsonl)
  file(COPY_FILE ${out}/${f} ${out}/${f}.before)
endforeach()
foreach(extra "" "--resume")
  # flock holds the lock on its own open file while the second search runs.
  execute_process(COMMAND ${FLOCK} ${out}/search.lock ${EXE} ${common} ${extra} --n-trials 6
                  RESULT_VARIABLE rc OUTPUT_VARIABLE stdout ERROR_VARIABLE err)
  if(rc EQUAL 0)
    message(FATAL_ERROR "a search on a locked folder (${extra}) succeeded:\n${stdout}")
  endif()
  if(NOT err MATCHES "locked: another search is writing to this folder \\(a process holds [^)]*search\\.lock\\); wait for it to finish")
    message(FATAL_ERROR "exit code ${rc}, but the message does not name the locked folder:\n${err}")
  endif()
endforeach()
foreach(f log.json best.json journal.jsonl)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${out}/${f} ${out}/${f}.before RESULT_VARIABLE diff)
  if(NOT diff EQUAL 0)
    message(FATAL_ERROR "${f} of the first search changed under the lock")
  endif()
endforeach()
file(GLOB kept ${out}/journal-*.jsonl)
if(kept)
  message(FATAL_ERROR "the refused search moved the journal aside: ${kept}")
endif()
message(STATUS "locked folder refused, files intact: ${err}")
