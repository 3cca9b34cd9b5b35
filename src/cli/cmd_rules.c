/* arcos-scale rules: print the built-in scoring rules, or check a rules file (SPEC §2).
 * Runs on one process; no MPI needed. */
#include <stdio.h>
#include <string.h>

#include "arcos/rules.h"
#include "commands.h"

static void usage(FILE *out) {
  fputs("usage: arcos-scale rules --print-default\n"
        "       arcos-scale rules --check FILE\n"
        "\n"
        "Scoring rules decide a record's signal points from values in its `data` (SPEC §2,\n"
        "docs/formats.md \"Scoring rules\"); `run --scoring-rules FILE` replaces the built-in\n"
        "set.\n"
        "\n"
        "  --print-default  print the built-in rules (a valid rules file to start from)\n"
        "  --check FILE     validate FILE: exit 0 with a one-line summary, or exit 2 with\n"
        "                   the index of the bad rule (from 0) and the key\n",
        out);
}

static int check(const char *path) {
  arcos_rules_t *r = NULL;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  if (arcos_rules_load(path, &r, &d) != ARCOS_OK) {
    fprintf(stderr, "arcos-scale rules: %s: %s\n", path, d.text);
    return 2;
  }
  printf("%s: %zu rules, %zu paths, sha256 %s\n", path, arcos_rules_count(r),
         arcos_rules_paths(r).npaths, arcos_rules_sha256(r));
  arcos_rules_destroy(&r);
  return 0;
}

int arcos_cmd_rules(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--print-default") == 0) {
    fputs(arcos_rules_default_text(), stdout);
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "--check") == 0)
    return check(argv[2]);
  if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    usage(stdout);
    return 0;
  }
  usage(stderr);
  return 2;
}
