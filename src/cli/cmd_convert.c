/* `arcos-scale convert INPUT... --out ARCHIVE.h5`: initialise MPI, parse the options
 * identically on every rank, hand over to the archive module, finalise. */
#include <errno.h>
#include <inttypes.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arcos/archive.h"
#include "arcos/graph.h"
#include "arcos/util.h"
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
        "Options:\n"
        "  --out PATH               the archive to write (required; refused if it exists)\n"
        "  --force                  replace an existing archive\n"
        "  --chunk-rows N           rows per HDF5 chunk (default 65536)\n"
        "  --deflate LEVEL          deflate level 0..9 (default 6; 0 = uncompressed chunks)\n"
        "  --data-deflate LEVEL     level for the canonical data text only (default: as\n"
        "                           --deflate); 0 reads about 2.5x faster, 7x larger\n"
        "  --max-record-bytes B     longer records are stored as invalid (default 1048576;\n"
        "                           use the value the runs over the archive will use)\n"
        "  --partitions-per-rank N  input partitions per rank (default 4)\n"
        "  --quiet                  no summary line\n"
        "  --help                   this text\n",
        out);
}

static int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *v) {
  char *end = NULL;
  errno = 0;
  unsigned long long x = strtoull(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || x < lo || x > hi)
    return -1;
  *v = (uint64_t)x;
  return 0;
}

int arcos_cmd_convert(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  arcos_convert_opts_t o;
  arcos_convert_defaults(&o);
  const char *out = NULL;
  bool force = false, quiet = false, help = false;
  const char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
  size_t ninputs = 0;
  char err[256] = "";
  for (int i = 1; i < argc && err[0] == '\0' && inputs != NULL; i++) {
    const char *a = argv[i];
    const char *val = i + 1 < argc ? argv[i + 1] : NULL;
    uint64_t v = 0;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      help = true;
    } else if (strcmp(a, "--force") == 0) {
      force = true;
    } else if (strcmp(a, "--quiet") == 0) {
      quiet = true;
    } else if (strcmp(a, "--out") == 0 || strcmp(a, "--chunk-rows") == 0 ||
               strcmp(a, "--deflate") == 0 || strcmp(a, "--max-record-bytes") == 0 ||
               strcmp(a, "--data-deflate") == 0 || strcmp(a, "--partitions-per-rank") == 0) {
      if (val == NULL) {
        snprintf(err, sizeof err, "%s needs a value", a);
        break;
      }
      i++;
      if (strcmp(a, "--out") == 0)
        out = val;
      else if (strcmp(a, "--chunk-rows") == 0 && parse_u64(val, 1, (uint64_t)1 << 22, &v) == 0)
        o.chunk_rows = v;
      else if (strcmp(a, "--deflate") == 0 && parse_u64(val, 0, 9, &v) == 0)
        o.deflate = (int)v;
      else if (strcmp(a, "--data-deflate") == 0 && parse_u64(val, 0, 9, &v) == 0)
        o.data_deflate = (int)v;
      else if (strcmp(a, "--max-record-bytes") == 0 &&
               parse_u64(val, 1, (uint64_t)1 << 31, &v) == 0)
        o.max_record_bytes = (size_t)v;
      else if (strcmp(a, "--partitions-per-rank") == 0 && parse_u64(val, 1, 1 << 20, &v) == 0)
        o.per_rank = v;
      else if (strcmp(a, "--out") != 0)
        snprintf(err, sizeof err, "bad value '%s' for %s", val, a);
    } else if (a[0] == '-' && a[1] != '\0') {
      snprintf(err, sizeof err, "unknown option '%s'", a);
    } else {
      inputs[ninputs++] = a;
    }
  }
  int code = 0;
  if (inputs == NULL) {
    fprintf(stderr, "arcos-scale convert: out of memory\n");
    code = 1;
  } else if (help) {
    if (rank == 0)
      convert_usage(stdout);
  } else if (err[0] != '\0' || out == NULL || ninputs == 0) {
    if (rank == 0)
      fprintf(stderr, "arcos-scale convert: %s\n(see arcos-scale convert --help)\n",
              err[0]        ? err
              : out == NULL ? "--out ARCHIVE.h5 is required"
                            : "no input given");
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
  free(inputs);
  MPI_Finalize();
  return code;
}
