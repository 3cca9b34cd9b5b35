/* arcos-scale: a thin front end over libarcos. */
#include <stdio.h>
#include <string.h>

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
