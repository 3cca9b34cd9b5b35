# Helpers that run tests through the MPI launcher CMake found, with the settings this
# project needs everywhere: running as root (containers, CI), more ranks than cores,
# and no shared-memory single copy (fails in many containers).
set(ARCOS_MPI_ENV
    "OMPI_ALLOW_RUN_AS_ROOT=1"
    "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"
    "OMPI_MCA_btl_vader_single_copy_mechanism=none"
    "OMPI_MCA_rmaps_base_oversubscribe=1")

# arcos_add_mpi_test(NAME n NP ranks COMMAND exe args... [LABELS ...] [TIMEOUT s])
function(arcos_add_mpi_test)
  cmake_parse_arguments(T "" "NAME;NP;TIMEOUT" "COMMAND;LABELS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_test(NAME ${T_NAME}
           COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${T_NP} --oversubscribe
                   ${MPIEXEC_PREFLAGS} ${T_COMMAND} ${MPIEXEC_POSTFLAGS})
  set_tests_properties(${T_NAME} PROPERTIES LABELS "mpi;${T_LABELS}" TIMEOUT ${T_TIMEOUT}
                       SKIP_RETURN_CODE 77 ENVIRONMENT "${ARCOS_MPI_ENV}")
endfunction()

# arcos_add_script_test(NAME n SCRIPT file.sh [ARGS ...] [LABELS ...] [TIMEOUT s])
# The script gets its ARGS, ARCOS_BIN (the arcos-scale binary), ARCOS_MPIEXEC,
# ARCOS_SRC, ARCOS_BUILD and a private scratch directory ARCOS_TMP.
function(arcos_add_script_test)
  cmake_parse_arguments(T "" "NAME;SCRIPT;TIMEOUT" "ARGS;LABELS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set(tmp ${PROJECT_BINARY_DIR}/test-tmp/${T_NAME})
  add_test(NAME ${T_NAME} COMMAND bash ${T_SCRIPT} ${T_ARGS})
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
      SKIP_RETURN_CODE 77
      ENVIRONMENT "${ARCOS_MPI_ENV};ARCOS_BIN=$<TARGET_FILE:arcos-scale>;ARCOS_MPIEXEC=${MPIEXEC_EXECUTABLE};ARCOS_SRC=${PROJECT_SOURCE_DIR};ARCOS_BUILD=${PROJECT_BINARY_DIR};ARCOS_TMP=${tmp};ARCOS_TESTS_BIN=${PROJECT_BINARY_DIR}/tests")
endfunction()
