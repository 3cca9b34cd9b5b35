/* `arcos-scale query`: parse the options, hand them to the library's query job. */
#include <mpi.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/query.h"
#include "cli_options.h"
#include "commands.h"

static void usage(FILE *out) {
  fputs(
      "usage: arcos-scale query --graph PATH --queries FILE [--explain] [--output DIR] [--force]\n"
      "       mpirun -np N arcos-scale query ...\n"
      "\n",
      out);
  arcos_cli_query_t defaults;
  if (arcos_cli_query_defaults(&defaults))
    arcos_opts_print_help(&arcos_cli_query_options, &defaults, out);
  arcos_opts_free_strings(&arcos_cli_query_options, &defaults);
  fprintf(out, "  %-30s %s\n", "--help", "this text");
  fputs("\n"
        "Exit codes: 0 done, 1 failed (graph unreadable or a damaged HDF5 graph, output not\n"
        "writable), 2 usage or a bad queries file.\n",
        out);
}

int arcos_cmd_query(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  arcos_cli_query_t q;
  bool help = false;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  int rc = arcos_cli_query_defaults(&q) ? ARCOS_OK : ARCOS_ENOMEM;
  if (rc == ARCOS_OK)
    rc = arcos_cli_query_parse(&q, argc, argv, &help, &d);
  int code;
  if (rc == ARCOS_ENOMEM) {
    fprintf(stderr, "arcos-scale query: out of memory\n");
    code = 1;
  } else if (help) {
    if (rank == 0)
      usage(stdout);
    code = 0;
  } else if (rc != ARCOS_OK) {
    if (rank == 0)
      fprintf(stderr, "arcos-scale query: %s\n(see arcos-scale query --help)\n", d.text);
    code = 2;
  } else {
    arcos_query_job_t job = {.graph = q.graph,
                             .queries = q.queries,
                             .output = q.output,
                             .explain = q.explain,
                             .force = q.force,
                             .create_output = true,
                             .write_report = true};
    code = arcos_query_job(MPI_COMM_WORLD, &job, stdout, stderr);
  }
  arcos_opts_free_strings(&arcos_cli_query_options, &q);
  MPI_Finalize();
  return code;
}
