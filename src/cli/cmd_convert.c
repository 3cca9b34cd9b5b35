/* `arcos-scale convert INPUT... --out ARCHIVE.h5`: initialise MPI, parse the options
 * identically on every rank, hand over to the archive module, finalise. */
#include <inttypes.h>
#include <mpi.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arcos/archive.h"
#include "arcos/graph.h"
#include "arcos/util.h"
#include "cli_options.h"
#include "commands.h"

static void convert_usage(FILE *out) {
  fputs("usage: arcos-scale convert INPUT... --out ARCHIVE.h5 [options]\n"
        "       arcos-scale convert GRAPH_DIR --out GRAPH.h5 [options]\n"
        "       mpirun -np N arcos-scale convert INPUT... --out ARCHIVE.h5\n"
        "\n"
        "Reads evidence inputs (.jsonl/.ndjson, optionally .gz, .json arrays or\n"
        "{\"evidence_items\": [...]} objects, directories of them) on every rank, parses and\n"
        "validates each record once, and writes an HDF5 evidence archive that `run` reads\n"
        "without parsing JSON. Invalid records are kept (raw text and error), so a run over\n"
        "the archive gives the same results as a run over the inputs. Schema: docs/formats.md.\n"
        "\n"
        "A graph directory (nodes.jsonl + relationships.jsonl, or nodes.json +\n"
        "relationships.json) as the only input becomes an HDF5 graph for --graph: loaded\n"
        "and checked as --graph loads it (refused elements are kept as error records and\n"
        "reported by every run over the file), node ids sorted, relationships as node\n"
        "indexes. --chunk-rows and --deflate apply; the graph is gathered on rank 0.\n"
        "\n"
        "Options:\n",
        out);
  arcos_cli_convert_t defaults;
  arcos_cli_convert_defaults(&defaults);
  arcos_opts_print_help(&arcos_cli_convert_options, &defaults, out);
  fprintf(out, "  %-30s %s\n", "--help", "this text");
}

int arcos_cmd_convert(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  arcos_cli_convert_t cli;
  arcos_cli_convert_defaults(&cli);
  arcos_convert_opts_t o;
  arcos_opts_args_t args;
  arcos_detail_t pd;
  arcos_detail_clear(&pd);
  int prc = arcos_cli_convert_parse(&cli, argc, argv, &args, &pd);
  o = cli.o;
  const char *out = cli.out;
  bool force = cli.force, quiet = cli.quiet, help = args.help;
  const char *const *inputs = (const char *const *)args.positional;
  size_t ninputs = args.npositional;
  int code = 0;
  if (prc == ARCOS_ENOMEM) {
    fprintf(stderr, "arcos-scale convert: out of memory\n");
    code = 1;
  } else if (help) {
    if (rank == 0)
      convert_usage(stdout);
  } else if (prc != ARCOS_OK) {
    if (rank == 0)
      fprintf(stderr, "arcos-scale convert: %s\n(see arcos-scale convert --help)\n", pd.text);
    code = 2;
  } else {
    struct stat st;
    int exists = stat(out, &st) == 0;
    size_t ngraphs = 0;
    for (size_t i = 0; i < ninputs; i++)
      ngraphs += arcos_graph_detect(inputs[i]) == ARCOS_GRAPH_DIR;
    if (ngraphs > 0 && ninputs > 1) {
      if (rank == 0)
        fprintf(stderr, "arcos-scale convert: a graph directory must be the only input (convert "
                        "evidence and graphs separately)\n");
      code = 2;
    } else if (exists && !force) {
      if (rank == 0)
        fprintf(stderr, "arcos-scale convert: %s exists; remove it or pass --force\n", out);
      code = 1;
    } else if (ngraphs == 1) {
      arcos_graph_convert_opts_t go = {o.chunk_rows, o.chunk_bytes, o.deflate};
      arcos_graph_convert_stats_t gs;
      arcos_detail_t d;
      arcos_detail_clear(&d);
      double t0 = arcos_now();
      int rc = arcos_graph_convert(MPI_COMM_WORLD, inputs[0], &go, out, &gs, &d);
      double dt = arcos_now() - t0;
      if (rc != ARCOS_OK) {
        if (rank == 0)
          fprintf(stderr, "arcos-scale convert: %s: %s\n", d.source[0] ? d.source : out,
                  d.text[0] ? d.text : arcos_strerror(rc));
        code = 1;
      } else if (rank == 0 && !quiet) {
        printf("arcos-scale convert: %s: graph of %" PRIu64 " nodes, %" PRIu64
               " relationships, %" PRIu64 " error records kept, in %.2f s (load %.2f s, "
               "write %.2f s)\n",
               out, gs.nodes, gs.relationships, gs.errors, dt, gs.load_s, gs.write_s);
      }
    } else {
      arcos_convert_stats_t cs;
      arcos_detail_t d;
      arcos_detail_clear(&d);
      double t0 = arcos_now();
      int rc = arcos_archive_convert(MPI_COMM_WORLD, inputs, ninputs, &o, out, &cs, &d);
      double dt = arcos_now() - t0;
      if (rc != ARCOS_OK) {
        if (rank == 0)
          fprintf(stderr, "arcos-scale convert: %s: %s\n", d.source[0] ? d.source : out,
                  d.text[0] ? d.text : arcos_strerror(rc));
        code = rc == ARCOS_EUSAGE ? 2 : 1;
      } else if (rank == 0 && !quiet) {
        printf("arcos-scale convert: %s: %" PRIu64 " records (%" PRIu64
               " invalid kept) from %" PRIu64 " inputs, %" PRIu64
               " bytes, in %.2f s (read %.2f s, write %.2f s), %.0f records/s\n",
               out, cs.records, cs.errors, cs.inputs, cs.input_bytes, dt, cs.read_s, cs.write_s,
               dt > 0 ? (double)cs.records / dt : 0.0);
      }
    }
  }
  arcos_opts_args_free(&args);
  arcos_opts_free_strings(&arcos_cli_convert_options, &cli);
  MPI_Finalize();
  return code;
}
