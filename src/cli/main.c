/* arcos-scale: a thin front end over libarcos. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

static void usage(FILE *out) {
  fputs("usage: arcos-scale COMMAND [options]\n"
        "\n"
        "Commands:\n"
        "  run [INPUT...] [options]      score evidence on every MPI rank (mpirun -np N ...)\n"
        "  generate --out DIR --records N [options]\n"
        "                                write deterministic synthetic evidence\n"
        "  cache-check --nodes N --keys K [--vnodes V]\n"
        "                                key balance and movement of the cache ring\n"
        "  query --graph PATH --queries FILE [--explain] [--output DIR]\n"
        "                                run graph queries (mpirun -np N ...)\n"
        "  convert INPUT... --out ARCHIVE.h5\n"
        "                                evidence inputs to an HDF5 evidence archive (mpirun)\n"
        "  rules --print-default | --check FILE\n"
        "                                the built-in scoring rules, or check a rules file\n"
        "\n"
        "  arcos-scale COMMAND --help    options of a command\n"
        "  arcos-scale --version\n"
        "\n"
        "Exit codes: 0 done, 1 failed, 2 usage or config error, 3 --max-error-rate exceeded,\n"
        "75 stopped by --max-time or SIGTERM/SIGUSR1 after a checkpoint (rerun with --resume).\n",
        out);
}

/* Whether the kernel gives transparent huge pages only to memory that asks (madvise):
 * then glibc must ask. ("always": every process has them already; "never": none.) */
static bool thp_on_request(void) {
  char mode[128] = {0};
  FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
  if (f == NULL)
    return false;
  size_t n = fread(mode, 1, sizeof mode - 1, f);
  fclose(f);
  return n > 0 && strstr(mode, "[madvise]") != NULL;
}

/* The data commands run with transparent huge pages for malloc (docs/performance.md,
 * "Huge pages for malloc"): most of a run's page faults are its records, tables and
 * buffers filling, and one 2 MiB fault replaces 512 small ones. glibc reads its tunables
 * only when a program starts, so the command executes itself once more with
 * GLIBC_TUNABLES=glibc.malloc.hugetlb=1. Not when GLIBC_TUNABLES is set already (the
 * user's settings win, and it ends the recursion), with ARCOS_HUGEPAGES=0, or under
 * valgrind (its preload is in LD_PRELOAD; an exec would leave it). */
static void exec_with_huge_pages(char **argv) {
  const char *off = getenv("ARCOS_HUGEPAGES"), *pre = getenv("LD_PRELOAD");
  if (getenv("GLIBC_TUNABLES") != NULL || (off != NULL && strcmp(off, "0") == 0) ||
      (pre != NULL && strstr(pre, "vgpreload") != NULL) || !thp_on_request())
    return;
  /* The binary's own path, not /proc/self/exe: the process keeps its name (ps, pkill). */
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0 || (size_t)n >= sizeof self - 1 ||
      setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 0) != 0)
    return;
  self[n] = '\0';
  execv(self, argv);
  unsetenv("GLIBC_TUNABLES"); /* the exec failed: carry on with small pages */
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    usage(stdout);
    return 0;
  }
  if (strcmp(cmd, "--version") == 0) {
    printf("arcos-scale %s\n", ARCOS_VERSION);
    return 0;
  }
  if (strcmp(cmd, "run") == 0 || strcmp(cmd, "convert") == 0 || strcmp(cmd, "query") == 0)
    exec_with_huge_pages(argv);
  if (strcmp(cmd, "run") == 0)
    return arcos_cmd_run(argc - 1, argv + 1);
  if (strcmp(cmd, "convert") == 0)
    return arcos_cmd_convert(argc - 1, argv + 1);
  if (strcmp(cmd, "generate") == 0)
    return arcos_cmd_generate(argc - 1, argv + 1);
  if (strcmp(cmd, "cache-check") == 0)
    return arcos_cmd_cache_check(argc - 1, argv + 1);
  if (strcmp(cmd, "query") == 0)
    return arcos_cmd_query(argc - 1, argv + 1);
  if (strcmp(cmd, "rules") == 0)
    return arcos_cmd_rules(argc - 1, argv + 1);
  fprintf(stderr, "arcos-scale: unknown command '%s'\n\n", cmd);
  usage(stderr);
  return 2;
}
