/* `arcos-scale run`: initialise MPI, parse the configuration identically on every
 * rank, hand the context to the library, finalise. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include "arcos/config.h"
#include "arcos/job.h"
#include "commands.h"

int arcos_cmd_run(int argc, char **argv) {
  /* Open MPI polls in a blocking call; a rank waiting for another (the exactly-once
   * exchange, collective writes, the final gather) then burns the core the other rank
   * needs whenever ranks share cores with each other or with other work. Yielding
   * while idle measured 1.10x records/s and 0.93x CPU at 2 ranks on the shared 2-core
   * machine (docs/performance.md). An explicit setting (environment, mpirun -mca)
   * wins; other MPI libraries ignore the variable. */
  setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0);
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  arcos_config_t cfg;
  arcos_config_init(&cfg);
  arcos_detail_t d;
  arcos_detail_clear(&d);
  bool help = false;
  int code;
  int rc = arcos_config_parse_run(&cfg, argc, argv, &help, &d);
  if (help) {
    if (rank == 0) {
      printf(
          "usage: arcos-scale run [INPUT...] [--config job.json] [--output DIR] [options]\n"
          "       mpirun -np N arcos-scale run INPUT...\n\n"
          "INPUT: .jsonl/.ndjson files (optionally .gz); .json arrays, {\"evidence_items\": "
          "[...]} objects,\n       CIV-ARCOS REST list bodies {\"count\": N, \"evidence\": [...]} "
          "and evidence stores\n       (nodes.json); HDF5 archives made by convert; "
          "directories of them; - for standard input.\n\n");
      arcos_config_print_help(stdout);
      /* Not in the option table: docs/gen-options.sh reads the table's lines only. */
      printf("  %-30s %s\n", "-h, --help", "this text");
    }
    code = 0;
  } else if (rc != ARCOS_OK) {
    if (rank == 0)
      fprintf(stderr, "arcos-scale run: %s%s%s\n", d.text, rc == ARCOS_ECONFIG ? " in " : "",
              rc == ARCOS_ECONFIG ? d.source : "");
    code = 2;
  } else {
    arcos_ctx_t ctx = {MPI_COMM_WORLD, rank, size, &cfg, stdout, stderr};
    code = arcos_job_run(&ctx);
  }
  arcos_config_free(&cfg);
  MPI_Finalize();
  return code;
}
