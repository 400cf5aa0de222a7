# Command-line tests of `mixprec-toy search` (included from CMakeLists.txt when tests are built):
# the tutorial's config unchanged, config mistakes one by one (each naming the TOML path, the
# value and the expectation; earlier results left untouched), SIGINT, kill + resume, a user's
# own model and data (and `eval` of its best configs on them), and (with chromium installed) the
# rendered report.
set(search_work ${CMAKE_CURRENT_BINARY_DIR}/search_test)
set(tutorial ${CMAKE_CURRENT_SOURCE_DIR}/configs/search_toy_tpe.toml)
set(golden_net ${PROJECT_SOURCE_DIR}/tests/data/golden/toynet)
file(MAKE_DIRECTORY ${search_work})

add_test(NAME toy_search_tutorial
         COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:mixprec-toy> -DCONFIG=${tutorial} -DLOAD=${golden_net}
                 -DOUT=${search_work}/tutorial -DGOLDEN_LOG=${PROJECT_SOURCE_DIR}/tests/data/golden/search_log_tpe_seed0.json
                 -P ${CMAKE_CURRENT_SOURCE_DIR}/check_search_outputs.cmake)
set_tests_properties(toy_search_tutorial PROPERTIES FIXTURES_SETUP toy_search_done)

# Broken variants of the tutorial's config, one mistake each.
file(READ ${tutorial} tutorial_text)
function(search_bad_config name from to)
  string(REPLACE "${from}" "${to}" text "${tutorial_text}")
  if(text STREQUAL tutorial_text)
    message(FATAL_ERROR "search_bad_config(${name}): '${from}' not found in the tutorial config")
  endif()
  file(WRITE ${search_work}/${name}.toml "${text}")
endfunction()
search_bad_config(bad_sampler "sampler = \"tpe\"" "sampler = \"cmaes\"")
search_bad_config(bad_direction "accuracy.direction = \"maximize\"" "accuracy.direction = \"maximise\"")
search_bad_config(no_runner "average_bitwidth.scale = 0.2" "latency.scale = 1.0\nlatency.direction = \"minimize\"\naverage_bitwidth.scale = 0.2")
search_bad_config(unknown_key "n_trials = 20" "n_trial = 20")
search_bad_config(empty_choices "weight_width = [2, 4, 8]" "weight_width = []")
search_bad_config(zero_trials "n_trials = 20" "n_trials = 0")
search_bad_config(missing_journal "sum_scaled_metrics = false  # multi objective"
                  "sum_scaled_metrics = false\npkl_ckpt = \"${search_work}/no_such_journal.jsonl\"")
search_bad_config(corrupt_journal "sum_scaled_metrics = false  # multi objective"
                  "sum_scaled_metrics = false\npkl_ckpt = \"${search_work}/corrupt.jsonl\"")
search_bad_config(bad_width "weight_width = [2, 4, 8]" "weight_width = [2, 4, 8, 0]")
search_bad_config(nan_scale "accuracy.scale = 1.0" "accuracy.scale = nan")
search_bad_config(big_seed "sum_scaled_metrics = false  # multi objective" "sum_scaled_metrics = false\nseed = 4294967296")
search_bad_config(eval_mode_false "eval_mode = true" "eval_mode = false")
search_bad_config(typo_key "batch_size = 512" "batch_sise = 512")
search_bad_config(many_samples "num_samples = 512" "num_samples = 1000000")
file(WRITE ${search_work}/corrupt.jsonl "{\"not\": \"a journal\"}\n{\"number\": 0}\n")

set(search_error_tests "")
function(search_error name args expect)
  add_test(NAME toy_search_error_${name}
           COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:mixprec-toy> "-DARGS=${args}" "-DEXPECT=${expect}"
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/cli_expect_error.cmake)
  set_tests_properties(toy_search_error_${name} PROPERTIES FIXTURES_REQUIRED toy_search_done)
  set(search_error_tests ${search_error_tests} toy_search_error_${name} PARENT_SCOPE)
endfunction()
set(run "search|--load|${golden_net}|--out|${search_work}/tutorial|--config")
search_error(sampler "${run}|${search_work}/bad_sampler.toml"
             "bad_sampler\\.toml: search\\.strategy\\.setup\\.sampler = \"cmaes\": unknown sampler; expected one of tpe, nsgaii")
search_error(direction "${run}|${search_work}/bad_direction.toml"
             "search\\.strategy\\.metrics\\.accuracy\\.direction = \"maximise\": expected \"minimize\" or \"maximize\"")
search_error(metric_without_runner "${run}|${search_work}/no_runner.toml"
             "search\\.strategy\\.metrics\\.latency: no runner produces metric \"latency\"; configured runners produce accuracy, accuracy_micro, average_bitwidth, loss, memory_density")
search_error(unknown_key "${run}|${search_work}/unknown_key.toml"
             "search\\.strategy\\.setup\\.n_trial: unknown key; valid keys are n_jobs, n_trials")
search_error(empty_choices "${run}|${search_work}/empty_choices.toml"
             "search\\.search_space\\.seed\\.default\\.config\\.weight_width = \\[\\]: the choice list is empty")
search_error(zero_trials "${run}|${search_work}/zero_trials.toml"
             "search\\.strategy\\.setup\\.n_trials = 0: must be >= 1")
search_error(zero_trials_flag "${run}|${tutorial}|--n-trials|0" "--n-trials = 0: must be >= 1")
search_error(sampler_flag "${run}|${tutorial}|--sampler|cmaes" "--sampler: sampler = \"cmaes\": unknown sampler; valid names are tpe")
search_error(missing_checkpoint "search|--load|${search_work}/nowhere|--out|${search_work}/tutorial|--config|${tutorial}"
             "nowhere: checkpoint folder does not exist")
search_error(missing_journal "${run}|${search_work}/missing_journal.toml"
             "search\\.strategy\\.setup\\.pkl_ckpt = \"[^\"]*no_such_journal\\.jsonl\": expected a readable search journal \\([^)]*cannot open journal")
search_error(corrupt_journal "${run}|${search_work}/corrupt_journal.toml"
             "search\\.strategy\\.setup\\.pkl_ckpt = \"[^\"]*corrupt\\.jsonl\": expected a readable search journal \\([^)]*not a mixprec journal")
search_error(resume_nothing "search|--load|${golden_net}|--out|${search_work}/empty|--config|${tutorial}|--resume"
             "--resume: [^ ]*empty/journal\\.jsonl does not exist")
search_error(model_without_data "${run}|${tutorial}|--model|${golden_net}" "--model needs --data")
search_error(bad_width "${run}|${search_work}/bad_width.toml"
             "bad_width\\.toml: search\\.search_space\\.seed\\.default\\.config\\.weight_width\\[3\\] = 0: must be in \\[1, 64\\]")
search_error(nan_scale "${run}|${search_work}/nan_scale.toml"
             "nan_scale\\.toml: search\\.strategy\\.metrics\\.accuracy\\.scale = nan: expected a finite number")
search_error(big_seed "${run}|${search_work}/big_seed.toml"
             "search\\.strategy\\.setup\\.seed = 4294967296: must be an integer in \\[0, 2\\^32\\)")
search_error(eval_mode_false "${run}|${search_work}/eval_mode_false.toml"
             "search\\.strategy\\.eval_mode = false: not supported; mixprec evaluates post-training quantization in inference mode only")
search_error(config_is_folder "${run}|${search_work}" "search_test: is a directory; expected a config file \\(TOML\\)")
search_error(timeout_negative "${run}|${tutorial}|--timeout|-1" "--timeout = -1: must be > 0 seconds")
# Resuming with another seed names the fields that differ, not the whole headers.
search_error(resume_other_seed "${run}|${tutorial}|--resume|--seed|5"
             "the journal belongs to a different search: seed 0 \\(this search: 5\\)")

# An unknown top-level key is a warning naming it and the known keys; the search still runs.
add_test(NAME toy_search_warns_unknown_top_level_key
         COMMAND mixprec-toy search --config ${search_work}/typo_key.toml --load ${golden_net}
                 --out ${search_work}/typo_key --n-trials 2 --quiet)
set_tests_properties(toy_search_warns_unknown_top_level_key PROPERTIES PASS_REGULAR_EXPRESSION
  "warning: [^\n]*typo_key\\.toml: batch_sise = 512: unknown top-level key, ignored; known keys are model, dataset, project, batch_size.*2 trials \\(0 resumed, 2 run\\)")

# num_samples beyond the split evaluates the whole split (as MASE's batches do), said once.
add_test(NAME toy_search_num_samples_beyond_split
         COMMAND mixprec-toy search --config ${search_work}/many_samples.toml --load ${golden_net}
                 --out ${search_work}/many_samples --n-trials 2 --quiet)
set_tests_properties(toy_search_num_samples_beyond_split PROPERTIES PASS_REGULAR_EXPRESSION
  "note: [^\n]*many_samples\.toml: search\.strategy\.sw_runner\.basic_evaluation\.num_samples = 1000000 is more than the 10240 samples of the validation split; evaluating the whole split.*2 trials \\(0 resumed, 2 run\\)")

# A folder another search holds (flock) is refused at once and left as it was.
find_program(MIXPREC_FLOCK flock)
if(MIXPREC_FLOCK)
  add_test(NAME toy_search_locked_folder
           COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:mixprec-toy> -DCONFIG=${tutorial} -DLOAD=${golden_net}
                   -DWORK=${search_work} -DFLOCK=${MIXPREC_FLOCK} -P ${CMAKE_CURRENT_SOURCE_DIR}/check_lock.cmake)
endif()
# NaN in the weights or the inputs: a warning naming the node or the file, and the count.
add_test(NAME toy_search_non_finite_warnings
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/check_non_finite.sh $<TARGET_FILE:mixprec-toy>
                 ${PROJECT_SOURCE_DIR}/examples/custom_model ${search_work})

# None of the mistakes touched the results already written.
add_test(NAME toy_search_results_kept
         COMMAND ${CMAKE_COMMAND} -E compare_files ${search_work}/tutorial/log.json ${search_work}/tutorial/log.json.orig)
set_tests_properties(toy_search_results_kept PROPERTIES FIXTURES_REQUIRED toy_search_done DEPENDS "${search_error_tests}")

add_test(NAME toy_search_sigint
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/check_sigint.sh $<TARGET_FILE:mixprec-toy> ${tutorial} ${golden_net} ${search_work})
# SIGTERM during a trial that takes seconds: the trial is cancelled, not journaled, exit 143.
add_test(NAME toy_search_sigterm_running_trial
         COMMAND ${PROJECT_SOURCE_DIR}/tests/search/check_sigterm_running_trial.sh $<TARGET_FILE:mixprec-toy> ${search_work})
set_tests_properties(toy_search_sigterm_running_trial PROPERTIES TIMEOUT 300)
add_test(NAME toy_search_kill_and_resume
         COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:mixprec-toy> -DCONFIG=${tutorial} -DLOAD=${golden_net}
                 -DWORK=${search_work} -P ${CMAKE_CURRENT_SOURCE_DIR}/check_resume.cmake)

set(custom ${PROJECT_SOURCE_DIR}/examples/custom_model)
add_test(NAME toy_search_custom_model
         COMMAND mixprec-toy search --config ${custom}/search.toml --model ${custom}/model --data ${custom}/data
                 --out ${search_work}/custom --quiet)
set_tests_properties(toy_search_custom_model PROPERTIES PASS_REGULAR_EXPRESSION
  "\\|  0 \\| +[0-9]+ \\| {'loss': [0-9.]+, 'accuracy': 0\\.9[0-9]*.*40 trials \\(0 resumed, 40 run\\)")
# `eval --model --data` on each best_config_<n>.toml gives the metrics the search logged in best.json
# (num_samples and batch_size as in search.toml).
add_test(NAME toy_search_custom_model_eval
         COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:mixprec-toy> -DCONFIG=${custom}/search.toml -DMODEL=${custom}/model
                 -DDATA=${custom}/data -DOUT=${search_work}/custom_eval -DN_TRIALS=16 -DNUM_SAMPLES=512 -DBATCH_SIZE=256
                 -P ${CMAKE_CURRENT_SOURCE_DIR}/check_eval_best.cmake)
# A data folder without the evaluated split: the message names the missing file.
file(MAKE_DIRECTORY ${search_work}/data_without_validation)
file(COPY ${custom}/data/x_test.npy ${custom}/data/y_test.npy ${custom}/data/y_validation.npy
     DESTINATION ${search_work}/data_without_validation)
file(WRITE ${search_work}/custom_8bit.toml "[default]\nname = \"integer\"\ndata_in_width = 8\ndata_in_frac_width = 4\n"
     "weight_width = 8\nweight_frac_width = 4\nbias_width = 8\nbias_frac_width = 4\n")
function(eval_custom_error name args expect)
  add_test(NAME toy_eval_custom_error_${name}
           COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:mixprec-toy> "-DARGS=${args}" "-DEXPECT=${expect}"
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/cli_expect_error.cmake)
endfunction()
set(eval_custom "eval|--config|${search_work}/custom_8bit.toml|--model|${custom}/model")
eval_custom_error(missing_split "${eval_custom}|--data|${search_work}/data_without_validation"
                  "data_without_validation/x_validation\\.npy: cannot open file")
eval_custom_error(model_without_data "${eval_custom}" "--model needs --data")
eval_custom_error(num_samples "${eval_custom}|--data|${custom}/data|--num-samples|513"
                  "--num-samples = 513: must be in \\[1, 512\\] \\(the samples of [^ ]*x_validation\\.npy\\)")

find_program(MIXPREC_CHROMIUM chromium)
if(MIXPREC_CHROMIUM)
  add_test(NAME toy_search_report_chromium
           COMMAND ${PROJECT_SOURCE_DIR}/tests/report/check_report.sh $<TARGET_FILE:mixprec-toy> ${tutorial} ${golden_net}
                   ${search_work})
endif()
