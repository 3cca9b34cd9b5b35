/* arcos-scale generate: a thin front end over the generate module. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "arcos/error.h"
#include "arcos/generate.h"
#include "arcos/util.h"
#include "commands.h"

int arcos_cmd_generate(int argc, char **argv) {
  arcos_gen_options_t opt;
  const char *out_dir;
  bool help;
  arcos_detail_t detail;
  arcos_detail_clear(&detail);
  int rc = arcos_gen_parse_args(argc, argv, &opt, &out_dir, &help, &detail);
  if (help) {
    arcos_gen_usage(stdout);
    return 0;
  }
  if (rc != ARCOS_OK) {
    fprintf(stderr, "arcos-scale generate: %s\n(see arcos-scale generate --help)\n", detail.text);
    return 2;
  }

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
