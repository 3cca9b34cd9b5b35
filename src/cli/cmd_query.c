/* `arcos-scale query`: parse the options, hand them to the library's query job. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "arcos/query.h"
#include "commands.h"

static void usage(FILE *out) {
  fputs(
      "usage: arcos-scale query --graph PATH --queries FILE [--explain] [--output DIR] [--force]\n"
      "       mpirun -np N arcos-scale query ...\n"
      "\n"
      "  --graph PATH     graph directory: nodes.jsonl + relationships.jsonl, or the\n"
      "                   CIV-ARCOS nodes.json + relationships.json (objects keyed by id),\n"
      "                   or an HDF5 graph made by `arcos-scale convert GRAPH_DIR --out F.h5`\n"
      "  --queries FILE   JSON array of traverse/match queries (docs/graph.md)\n"
      "  --explain        print each query's plan: strategy, estimates, actual work, reason\n"
      "  --output DIR     where queries.jsonl, graph_errors.jsonl (refused graph elements)\n"
      "                   and report.json go (default results)\n"
      "  --force          write into an existing output directory\n"
      "\n"
      "Exit codes: 0 done, 1 failed (graph unreadable or a damaged HDF5 graph, output not\n"
      "writable), 2 usage or a\n"
      "bad queries file.\n",
      out);
}

int arcos_cmd_query(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  arcos_query_job_t job = {.output = "results", .create_output = true, .write_report = true};
  const char *bad = NULL;
  bool help = false;
  for (int i = 1; i < argc && bad == NULL && !help; i++) {
    const char *a = argv[i];
    const char **dst = NULL;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
      help = true;
    else if (strcmp(a, "--explain") == 0)
      job.explain = true;
    else if (strcmp(a, "--force") == 0)
      job.force = true;
    else if (strcmp(a, "--graph") == 0)
      dst = &job.graph;
    else if (strcmp(a, "--queries") == 0)
      dst = &job.queries;
    else if (strcmp(a, "--output") == 0)
      dst = &job.output;
    else
      bad = a;
    if (dst != NULL) {
      if (i + 1 >= argc || argv[i + 1][0] == '\0') {
        bad = a;
        break;
      }
      *dst = argv[++i];
    }
  }
  int code;
  if (help) {
    if (rank == 0)
      usage(stdout);
    code = 0;
  } else if (bad != NULL || job.graph == NULL || job.queries == NULL) {
    if (rank == 0) {
      if (bad != NULL)
        fprintf(stderr, "arcos-scale query: unknown option or missing value: '%s'\n", bad);
      else
        fprintf(stderr, "arcos-scale query: --graph and --queries are required\n");
      fprintf(stderr, "(see arcos-scale query --help)\n");
    }
    code = 2;
  } else {
    code = arcos_query_job(MPI_COMM_WORLD, &job, stdout, stderr);
  }
  MPI_Finalize();
  return code;
}
