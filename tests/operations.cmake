# Operations tests (docs/operations.md), included from tests/CMakeLists.txt.

# Re-renders metrics.prom / report.html / the summary from a report.json (ops tests).
add_executable(ops_render ${CMAKE_CURRENT_SOURCE_DIR}/tools/ops_render.c)
target_link_libraries(ops_render PRIVATE arcos arcos_build_flags)
set_target_properties(ops_render PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
# Is a Chromium screenshot of report.html a rendered page (test_report_html.sh)?
add_executable(png_check ${CMAKE_CURRENT_SOURCE_DIR}/tools/png_check.c)
target_link_libraries(png_check PRIVATE ZLIB::ZLIB arcos_build_flags)
set_target_properties(png_check PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)

# Operations: metrics.prom through promtool, report.html through headless Chromium
# (each installs its Debian package when missing; skips with 77 only off CI).
file(GLOB ARCOS_OPS_SCRIPTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/ops/test_*.sh)
foreach(script IN LISTS ARCOS_OPS_SCRIPTS)
  get_filename_component(name ${script} NAME_WE)
  arcos_add_script_test(NAME ops.${name} SCRIPT ${script} LABELS ops TIMEOUT 600)
endforeach()

# SLURM: a real one-node cluster started once for the slurm tests (fixture) and stopped
# by PID afterwards; the tests sbatch the jobs/ scripts (tests/slurm/, label slurm).
set(ARCOS_SLURM_BASE ${PROJECT_BINARY_DIR}/slurm-cluster)
add_test(NAME slurm.start COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/slurm/cluster.sh start ${ARCOS_SLURM_BASE})
add_test(NAME slurm.stop COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/slurm/cluster.sh stop ${ARCOS_SLURM_BASE})
set_tests_properties(slurm.start PROPERTIES FIXTURES_SETUP slurm_cluster LABELS slurm TIMEOUT 300
                     SKIP_RETURN_CODE 77 RESOURCE_LOCK slurm_cluster)
set_tests_properties(slurm.stop PROPERTIES FIXTURES_CLEANUP slurm_cluster LABELS slurm TIMEOUT 60
                     RESOURCE_LOCK slurm_cluster)
file(GLOB ARCOS_SLURM_SCRIPTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/slurm/test_*.sh)
foreach(script IN LISTS ARCOS_SLURM_SCRIPTS)
  get_filename_component(name ${script} NAME_WE)
  arcos_add_script_test(NAME slurm.${name} SCRIPT ${script} LABELS slurm TIMEOUT 300)
  set_tests_properties(slurm.${name} PROPERTIES FIXTURES_REQUIRED slurm_cluster
                       RESOURCE_LOCK slurm_cluster)
  set_property(TEST slurm.${name} APPEND PROPERTY ENVIRONMENT "ARCOS_SLURM_BASE=${ARCOS_SLURM_BASE}")
endforeach()

# Several hosts (tests/cluster/, label cluster): each test makes its own cluster of
# namespaced hosts with jobs/cluster.sh (root; skips with 77 where namespaces cannot be
# made, fails in CI). Several minutes each on 2 cores, so also labelled long: CI runs
# them as a step of their own (ctest -L cluster in .ci/run).
file(GLOB ARCOS_CLUSTER_SCRIPTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/cluster/test_*.sh)
foreach(script IN LISTS ARCOS_CLUSTER_SCRIPTS)
  get_filename_component(name ${script} NAME_WE)
  arcos_add_script_test(NAME cluster.${name} SCRIPT ${script} LABELS "cluster;long" TIMEOUT 1500)
endforeach()
