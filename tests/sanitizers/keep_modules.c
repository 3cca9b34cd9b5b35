/* Linked into every executable of the `asan` build (ARCOS_SANITIZE, see
 * CMakeLists.txt), nowhere else. dlclose() becomes a no-op so that the shared objects
 * Open MPI and PMIx load at MPI_Init (MCA components) stay mapped until exit. Their
 * process-lifetime allocations then show a module name in LeakSanitizer's report and
 * are suppressed by that name (tests/sanitizers/lsan.supp) instead of appearing as
 * "<unknown module>", which no suppression can match; that is what lets the sanitizer
 * pass keep leak checking on for our own code. (Open MPI 4.1 as Debian builds it has
 * no mca_base_component_disable_dlclose parameter to do this.) Default visibility:
 * the project builds with hidden visibility, and the symbol must be exported so
 * that the shared libraries bind to it. */
#include <dlfcn.h>

__attribute__((visibility("default"))) int dlclose(void *handle) {
  (void)handle;
  return 0;
}
