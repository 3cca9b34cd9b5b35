# Helpers that run tests through the MPI launcher CMake found (HDF5 testpar style:
# MPIEXEC_EXECUTABLE, MPIEXEC_NUMPROC_FLAG, MPIEXEC_PREFLAGS, MPIEXEC_POSTFLAGS), with
# the Open MPI settings of cmake/openmpi.env and a private temporary directory per test.
#
# Every test gets TMPDIR (and Open MPI's session directory base) inside its own scratch
# directory, so tests running at once (ctest -j, or two builds on one machine) never
# share /tmp/ompi.* session directories.

file(STRINGS ${PROJECT_SOURCE_DIR}/cmake/openmpi.env ARCOS_MPI_ENV REGEX "^[A-Z_]+=")

# More ranks than cores: Open MPI refuses unless told. Added to the launcher's preflags
# once, where the user did not set MPIEXEC_PREFLAGS.
set(ARCOS_MPIEXEC_PREFLAGS ${MPIEXEC_PREFLAGS})
if(NOT ARCOS_MPIEXEC_PREFLAGS)
  execute_process(COMMAND ${MPIEXEC_EXECUTABLE} --version OUTPUT_VARIABLE _arcos_mpiexec_version
                  ERROR_QUIET)
  if(_arcos_mpiexec_version MATCHES "Open MPI|OpenRTE")
    set(ARCOS_MPIEXEC_PREFLAGS --oversubscribe)
  endif()
endif()
string(REPLACE ";" " " _arcos_preflags "${ARCOS_MPIEXEC_PREFLAGS}")
string(REPLACE ";" " " _arcos_postflags "${MPIEXEC_POSTFLAGS}")

# The environment of a test whose scratch directory is DIR.
function(arcos_test_env out dir)
  set(${out} "${ARCOS_MPI_ENV};TMPDIR=${dir}/.tmp;OMPI_MCA_orte_tmpdir_base=${dir}/.tmp" PARENT_SCOPE)
endfunction()

# arcos_add_mpi_test(NAME n NP ranks COMMAND exe args... [LABELS ...] [TIMEOUT s])
function(arcos_add_mpi_test)
  cmake_parse_arguments(T "" "NAME;NP;TIMEOUT" "COMMAND;LABELS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set(tmp ${PROJECT_BINARY_DIR}/test-tmp/${T_NAME})
  file(MAKE_DIRECTORY ${tmp}/.tmp)
  arcos_test_env(env ${tmp})
  add_test(NAME ${T_NAME}
           COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${T_NP} ${ARCOS_MPIEXEC_PREFLAGS}
                   ${T_COMMAND} ${MPIEXEC_POSTFLAGS})
  set_tests_properties(${T_NAME} PROPERTIES LABELS "mpi;${T_LABELS}" TIMEOUT ${T_TIMEOUT}
                       SKIP_RETURN_CODE 77 ENVIRONMENT "${env}")
endfunction()

# arcos_add_script_test(NAME n SCRIPT file.sh [ARGS ...] [LABELS ...] [TIMEOUT s])
# The script gets its ARGS, ARCOS_BIN (the arcos-scale binary), the launcher
# (ARCOS_MPIEXEC, ARCOS_MPIEXEC_NUMPROC_FLAG, ARCOS_MPIEXEC_PREFLAGS,
# ARCOS_MPIEXEC_POSTFLAGS; tests/mpi/lib.sh's `mpi NP CMD...` uses them), ARCOS_SRC,
# ARCOS_BUILD, ARCOS_TESTS_BIN and a private scratch directory ARCOS_TMP (TMPDIR is
# inside it).
function(arcos_add_script_test)
  cmake_parse_arguments(T "" "NAME;SCRIPT;TIMEOUT" "ARGS;LABELS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set(tmp ${PROJECT_BINARY_DIR}/test-tmp/${T_NAME})
  arcos_test_env(env ${tmp})
  add_test(NAME ${T_NAME} COMMAND bash ${T_SCRIPT} ${T_ARGS})
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
      SKIP_RETURN_CODE 77
      ENVIRONMENT "${env};ARCOS_BIN=$<TARGET_FILE:arcos-scale>;ARCOS_MPIEXEC=${MPIEXEC_EXECUTABLE};ARCOS_MPIEXEC_NUMPROC_FLAG=${MPIEXEC_NUMPROC_FLAG};ARCOS_MPIEXEC_PREFLAGS=${_arcos_preflags};ARCOS_MPIEXEC_POSTFLAGS=${_arcos_postflags};ARCOS_SRC=${PROJECT_SOURCE_DIR};ARCOS_BUILD=${PROJECT_BINARY_DIR};ARCOS_TMP=${tmp};ARCOS_TESTS_BIN=${PROJECT_BINARY_DIR}/tests")
endfunction()
