/* arcos-scale generate: a thin front end over the generate module. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "arcos/error.h"
#include "arcos/generate.h"
#include "arcos/util.h"
#include "cli_options.h"
#include "commands.h"

static void usage(FILE *out) {
  fputs("usage: arcos-scale generate --out DIR|- --records N [options]\n"
        "\n"
        "Write N lines of deterministic synthetic evidence: realistic records of every\n"
        "type with duplicates, bad lines, tampered checksums and clock skew at the rates\n"
        "given. DIR gets evidence.jsonl (or evidence-000.jsonl... with --files) and\n"
        "manifest.json, whose counts say what a run must find; --out - writes the records\n"
        "to standard output and no manifest. Same options, same bytes.\n"
        "\n",
        out);
  arcos_cli_generate_t defaults;
  arcos_cli_generate_defaults(&defaults);
  arcos_opts_print_help(&arcos_cli_generate_options, &defaults, out);
  fprintf(out, "  %-30s %s\n", "--help", "this text");
}

static int generate(const arcos_gen_options_t *opt, const char *out_dir);

int arcos_cmd_generate(int argc, char **argv) {
  arcos_cli_generate_t cli;
  arcos_cli_generate_defaults(&cli);
  bool help = false;
  arcos_detail_t detail;
  arcos_detail_clear(&detail);
  int rc = arcos_cli_generate_parse(&cli, argc, argv, &help, &detail);
  int code;
  if (help) {
    usage(stdout);
    code = 0;
  } else if (rc != ARCOS_OK) {
    fprintf(stderr, "arcos-scale generate: %s\n(see arcos-scale generate --help)\n", detail.text);
    code = rc == ARCOS_ENOMEM ? 1 : 2;
  } else {
    code = generate(&cli.o, cli.out);
  }
  arcos_opts_free_strings(&arcos_cli_generate_options, &cli);
  return code;
}

/* Generate the evidence and the graph the options ask for; the exit code. */
static int generate(const arcos_gen_options_t *options, const char *out_dir) {
  arcos_gen_options_t opt = *options;
  arcos_detail_t detail;
  arcos_detail_clear(&detail);
  int rc;

  double t0 = arcos_now();
  arcos_gen_counts_t c;
  bool evidence = opt.records > 0 || opt.graph_kind != ARCOS_GEN_GRAPH_RMAT;
  rc = evidence ? arcos_generate(&opt, out_dir, stdout, &c, &detail) : ARCOS_OK;
  if (rc != ARCOS_OK) {
    fprintf(stderr, "arcos-scale generate: %s: %s\n", detail.source, detail.text);
    return rc == ARCOS_EUSAGE ? 2 : 1;
  }
  double dt = arcos_now() - t0;
  if (opt.graph_nodes > 0) {
    double g0 = arcos_now();
    rc = arcos_gen_graph(&opt, out_dir, &detail);
    if (rc != ARCOS_OK) {
      fprintf(stderr, "arcos-scale generate: %s: %s\n", detail.source, detail.text);
      return 1;
    }
    fprintf(stderr, "arcos-scale generate: %s graph in %s/graph in %.2f s\n",
            opt.graph_kind == ARCOS_GEN_GRAPH_RMAT ? "R-MAT" : "assurance", out_dir,
            arcos_now() - g0);
  }
  if (evidence && strcmp(out_dir, "-") != 0)
    fprintf(stderr,
            "arcos-scale generate: %" PRIu64 " lines in %s (%" PRIu64 " unique ids, %" PRIu64
            " duplicates, %" PRIu64 " bad lines) in %.2f s, %.0f lines/s\n",
            c.lines, out_dir, c.unique_ids, c.duplicates, c.bad_parse + c.bad_invalid, dt,
            dt > 0 ? (double)c.lines / dt : 0.0);
  return 0;
}
