/* The option tables of convert, query, cache-check and generate; see cli_options.h. */
#include "cli_options.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* convert */

_Static_assert(sizeof(size_t) == sizeof(uint64_t), "max_record_bytes is read as a uint64_t");

#define COFF(f) offsetof(arcos_cli_convert_t, f)
static const arcos_opt_t convert_opts[] = {
    {"out", ARCOS_OPT_STRING, COFF(out), 0, 0, NULL, NULL, "PATH",
     "the archive to write (refused if it exists)", NULL, ARCOS_OPT_REQUIRED},
    {"force", ARCOS_OPT_BOOL, COFF(force), 0, 0, NULL, NULL, NULL, "replace an existing archive",
     NULL, 0},
    {"chunk_rows", ARCOS_OPT_U64, COFF(o.chunk_rows), 1, 4194304, NULL, NULL, "N",
     "rows per HDF5 chunk", NULL, 0},
    {"deflate", ARCOS_OPT_I32, COFF(o.deflate), 0, 9, NULL, NULL, "LEVEL",
     "deflate level 0..9 (0 = uncompressed chunks)", NULL, 0},
    {"data_deflate", ARCOS_OPT_I32, COFF(o.data_deflate), 0, 9, NULL, NULL, "LEVEL",
     "level for the canonical data text only; 0 reads about 2.5x faster, 7x larger", "as --deflate",
     0},
    {"max_record_bytes", ARCOS_OPT_U64, COFF(o.max_record_bytes), 1, 2147483648.0, NULL, NULL, "B",
     "longer records are stored as invalid (use the value the runs over the archive will use)",
     NULL, 0},
    {"partitions_per_rank", ARCOS_OPT_U64, COFF(o.per_rank), 1, 1048576, NULL, NULL, "N",
     "input partitions per rank", NULL, 0},
    {"quiet", ARCOS_OPT_BOOL, COFF(quiet), 0, 0, NULL, NULL, NULL, "no summary line", NULL, 0},
};
const arcos_optset_t arcos_cli_convert_options = {"convert", convert_opts, N_OF(convert_opts), NULL,
                                                  true};

bool arcos_cli_convert_defaults(arcos_cli_convert_t *c) {
  *c = (arcos_cli_convert_t){.out = NULL};
  arcos_convert_defaults(&c->o); /* the archive's defaults are the library's */
  return true;
}

int arcos_cli_convert_parse(arcos_cli_convert_t *c, int argc, char **argv, arcos_opts_args_t *args,
                            arcos_detail_t *d) {
  const arcos_optset_t *set = &arcos_cli_convert_options;
  int rc = arcos_opts_parse_args(set, c, argc, argv, args, d);
  if (rc != ARCOS_OK || args->help)
    return rc;
  rc = arcos_opts_check_required(set, args, d);
  if (rc == ARCOS_OK && args->npositional == 0)
    rc = arcos_detail_set(d, ARCOS_EUSAGE, "convert", 0, "no input given");
  return rc;
}

/* query */

#define QOFF(f) offsetof(arcos_cli_query_t, f)
static const arcos_opt_t query_opts[] = {
    {"graph", ARCOS_OPT_STRING, QOFF(graph), 0, 0, NULL, NULL, "PATH",
     "graph directory: nodes.jsonl + relationships.jsonl, or the CIV-ARCOS nodes.json + "
     "relationships.json (objects keyed by id), or an HDF5 graph made by `arcos-scale convert "
     "GRAPH_DIR --out F.h5`",
     NULL, ARCOS_OPT_REQUIRED},
    {"queries", ARCOS_OPT_STRING, QOFF(queries), 0, 0, NULL, NULL, "FILE",
     "JSON array of traverse/match queries (docs/graph.md)", NULL, ARCOS_OPT_REQUIRED},
    {"explain", ARCOS_OPT_BOOL, QOFF(explain), 0, 0, NULL, NULL, NULL,
     "print each query's plan: strategy, estimates, actual work, reason", NULL, 0},
    {"output", ARCOS_OPT_STRING, QOFF(output), 0, 0, NULL, NULL, "DIR",
     "where queries.jsonl, dlq.jsonl (refused graph elements) and report.json go", NULL, 0},
    {"force", ARCOS_OPT_BOOL, QOFF(force), 0, 0, NULL, NULL, NULL,
     "write into an existing output directory", NULL, 0},
};
const arcos_optset_t arcos_cli_query_options = {"query", query_opts, N_OF(query_opts), NULL, false};

bool arcos_cli_query_defaults(arcos_cli_query_t *q) {
  *q = (arcos_cli_query_t){.output = strdup("results")};
  return q->output != NULL;
}

int arcos_cli_query_parse(arcos_cli_query_t *q, int argc, char **argv, bool *help,
                          arcos_detail_t *d) {
  arcos_opts_args_t args;
  int rc = arcos_opts_parse_args(&arcos_cli_query_options, q, argc, argv, &args, d);
  *help = args.help;
  if (rc == ARCOS_OK && !args.help)
    rc = arcos_opts_check_required(&arcos_cli_query_options, &args, d);
  arcos_opts_args_free(&args);
  return rc;
}

/* cache-check */

#define KOFF(f) offsetof(arcos_cli_cache_check_t, f)
static const arcos_opt_t check_opts[] = {
    {"nodes", ARCOS_OPT_I64, KOFF(nodes), 2, 100000, NULL, NULL, "N", "logical cache nodes", NULL,
     ARCOS_OPT_REQUIRED},
    {"keys", ARCOS_OPT_I64, KOFF(keys), 1, 1e9, NULL, NULL, "K", "keys to place", NULL,
     ARCOS_OPT_REQUIRED},
    {"vnodes", ARCOS_OPT_I64, KOFF(vnodes), 1, 1000000, NULL, NULL, "V",
     "points per node on the ring", "the cache's, 4096", 0},
    {"leave", ARCOS_OPT_I64, KOFF(leave), 0, 100000, NULL, NULL, "NODE", "the node that leaves",
     "N-1", 0},
    {"json", ARCOS_OPT_BOOL, KOFF(json), 0, 0, NULL, NULL, NULL, "one JSON object instead of text",
     NULL, 0},
};
const arcos_optset_t arcos_cli_cache_check_options = {"cache-check", check_opts, N_OF(check_opts),
                                                      NULL, false};

bool arcos_cli_cache_check_defaults(arcos_cli_cache_check_t *c) {
  /* 0 vnodes: the ring's default; -1: the last node leaves. */
  *c = (arcos_cli_cache_check_t){.nodes = 0, .keys = 0, .vnodes = 0, .leave = -1};
  return true;
}

int arcos_cli_cache_check_parse(arcos_cli_cache_check_t *c, int argc, char **argv, bool *help,
                                arcos_detail_t *d) {
  arcos_opts_args_t args;
  int rc = arcos_opts_parse_args(&arcos_cli_cache_check_options, c, argc, argv, &args, d);
  *help = args.help;
  if (rc == ARCOS_OK && !args.help)
    rc = arcos_opts_check_required(&arcos_cli_cache_check_options, &args, d);
  arcos_opts_args_free(&args);
  if (rc != ARCOS_OK || *help)
    return rc;
  if (c->leave < 0)
    c->leave = c->nodes - 1;
  if (c->leave >= c->nodes)
    return arcos_detail_set(d, ARCOS_EUSAGE, "--leave", 0,
                            "--leave: must name a node below --nodes (%lld)", (long long)c->nodes);
  return ARCOS_OK;
}

/* generate */

/* The names of arcos_gen_format_t and of the graph kinds, in their order
 * (tests/unit/test_options.c checks them against arcos_gen_format_name). */
static const char *const gen_formats[] = {"jsonl", "jsonl.gz", "json", "items", NULL};
static const char *const gen_graph_kinds[] = {"assurance", "rmat", NULL};
_Static_assert(sizeof(arcos_gen_format_t) == sizeof(int), "--format is stored as an int");

#define GOFF(f) offsetof(arcos_cli_generate_t, f)
static const arcos_opt_t generate_opts[] = {
    {"out", ARCOS_OPT_STRING, GOFF(out), 0, 0, NULL, NULL, "DIR|-",
     "output directory (created if missing), or - for standard output", NULL, ARCOS_OPT_REQUIRED},
    {"records", ARCOS_OPT_U64, GOFF(o.records), 0, 1.8e19, NULL, NULL, "N",
     "lines in all, duplicates and bad lines included (required but with --graph-kind rmat)", "",
     0},
    {"duplicate_rate", ARCOS_OPT_F64, GOFF(o.duplicate_rate), 0, 1, NULL, NULL, "F",
     "share of lines repeating an earlier id", NULL, 0},
    {"bad_rate", ARCOS_OPT_F64, GOFF(o.bad_rate), 0, 1, NULL, NULL, "F",
     "share of lines that are not valid records", NULL, 0},
    {"tamper_rate", ARCOS_OPT_F64, GOFF(o.tamper_rate), 0, 1, NULL, NULL, "F",
     "share of records with a wrong checksum (at most 0.9)", NULL, 0},
    {"payload_repeat_rate", ARCOS_OPT_F64, GOFF(o.payload_repeat_rate), 0, 1, NULL, NULL, "F",
     "share of records whose `data` is one of 16 earlier payloads of the same type, byte for "
     "byte",
     NULL, 0},
    {"payload_bytes", ARCOS_OPT_U64, GOFF(o.payload_bytes), 0, 262144, NULL, NULL, "N",
     "grow object payloads to about N bytes with a per-file \"details\" list, as coverage "
     "reports",
     "0: off", 0},
    {"seed", ARCOS_OPT_U64, GOFF(o.seed), 0, 9223372036854775807.0, NULL, NULL, "S", "PRNG seed",
     NULL, 0},
    {"format", ARCOS_OPT_ENUM, GOFF(o.format), 0, 0, gen_formats, NULL, "FMT",
     "jsonl, jsonl.gz, json (an array) or items (the seed's {\"evidence_items\": [...]} object)",
     NULL, 0},
    {"files", ARCOS_OPT_I32, GOFF(o.files), 1, 100000, NULL, NULL, "K",
     "split into K files, in order", NULL, 0},
    {"end_time", ARCOS_OPT_TIME, GOFF(o.end_time), -1e15, 1e15, NULL, NULL, "T",
     "RFC 3339; timestamps span the two years before it, about 0.5 % lie 2-10 days after it "
     "(run with --reference-time T to see them as clock_skew)",
     NULL, 0},
    {"graph_nodes", ARCOS_OPT_U64, GOFF(o.graph_nodes), 0, 1e8, NULL, NULL, "M",
     "also write DIR/graph/{nodes,relationships}.jsonl: an assurance graph of about M nodes "
     "(goals, claims, sub-claims, context, evidence whose ids are the stored records' ids; "
     "SUPPORTS, REFUTES, DERIVED_FROM, IN_CONTEXT_OF)",
     "0: no graph", 0},
    {"graph_kind", ARCOS_OPT_ENUM, GOFF(o.graph_kind), 0, 0, gen_graph_kinds, NULL, "KIND",
     "assurance | rmat: an R-MAT (Kronecker) graph instead, for benchmarks; --records is then "
     "optional",
     NULL, 0},
    {"scale", ARCOS_OPT_I32, GOFF(o.scale), 1, 26, NULL, NULL, "S", "R-MAT: 2^S vertices", NULL, 0},
    {"edge_factor", ARCOS_OPT_I32, GOFF(o.edge_factor), 1, 64, NULL, NULL, "F",
     "R-MAT: F x 2^S edges", NULL, 0},
};
const arcos_optset_t arcos_cli_generate_options = {"generate", generate_opts, N_OF(generate_opts),
                                                   NULL, false};

bool arcos_cli_generate_defaults(arcos_cli_generate_t *g) {
  *g = (arcos_cli_generate_t){.out = NULL};
  arcos_gen_options_default(&g->o); /* the generator's defaults are the library's */
  return true;
}

int arcos_cli_generate_parse(arcos_cli_generate_t *g, int argc, char **argv, bool *help,
                             arcos_detail_t *d) {
  const arcos_optset_t *set = &arcos_cli_generate_options;
  arcos_opts_args_t args;
  int rc = arcos_opts_parse_args(set, g, argc, argv, &args, d);
  *help = args.help;
  if (rc == ARCOS_OK && !args.help)
    rc = arcos_opts_check_required(set, &args, d);
  bool have_records = arcos_opts_given(&args,
                                       (size_t)(arcos_opts_find_key(set, "records") - set->opt));
  arcos_opts_args_free(&args);
  if (rc != ARCOS_OK || *help)
    return rc;
  arcos_gen_options_t *o = &g->o;
  bool to_stdout = strcmp(g->out, "-") == 0;
  if (!have_records && o->graph_kind != ARCOS_GEN_GRAPH_RMAT)
    return arcos_detail_set(d, ARCOS_EUSAGE, "generate", 0, "--records N is required");
  if (o->graph_kind == ARCOS_GEN_GRAPH_RMAT && o->graph_nodes == 0)
    o->graph_nodes = (uint64_t)1 << o->scale;
  if (o->graph_nodes > 0 && to_stdout)
    return arcos_detail_set(d, ARCOS_EUSAGE, "generate", 0,
                            "--graph-nodes: needs an output directory, not -");
  if (to_stdout && o->files != 1)
    return arcos_detail_set(d, ARCOS_EUSAGE, "generate", 0,
                            "--files: standard output (--out -) takes a single stream");
  return arcos_gen_options_check(o, d);
}
