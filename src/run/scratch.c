/* Node-local scratch space for spill segments. A segment is read back by the rank that
 * wrote it, in the same run, unless the run is checkpointed: then a --resume, possibly
 * on other hosts and another number of ranks, reads it, so it must stay on the shared
 * output directory. Scratch is therefore used only by spilling runs without a
 * checkpoint (--max-memory-mb with --checkpoint=false), and never by a --resume,
 * whose earlier segments are in the output directory. */
#include "run/scratch.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int arcos_scratch_open(const arcos_ctx_t *ctx, bool spill, const char *host, char **seg_dir) {
  const arcos_config_t *cfg = ctx->cfg;
  *seg_dir = NULL;
  if (cfg->scratch_dir == NULL || cfg->scratch_dir[0] == '\0')
    return ARCOS_OK;
  if (!spill || cfg->checkpoint || cfg->resume) {
    if (ctx->rank == 0 && spill)
      fprintf(ctx->err,
              "arcos-scale: note: --scratch is not used: a checkpointed run keeps its "
              "spill segments in %s/.arcos-state for --resume (add --checkpoint=false to "
              "spill to node-local scratch)\n",
              cfg->output);
    return ARCOS_OK;
  }
  size_t n = strlen(cfg->scratch_dir) + 64;
  char *dir = malloc(n);
  int ok = 0, all_ok = 0, err = ENOMEM;
  if (dir != NULL) {
    snprintf(dir, n, "%s/arcos-scale-r%d-XXXXXX", cfg->scratch_dir, ctx->rank);
    ok = mkdtemp(dir) != NULL;
    err = errno;
  }
  if (!ok)
    fprintf(ctx->err,
            "arcos-scale: rank %d on %s: cannot use --scratch %s: %s; create it on every "
            "node (node-local, writable), or drop --scratch to spill into the output "
            "directory\n",
            ctx->rank, host, cfg->scratch_dir, strerror(err));
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, ctx->comm);
  if (!all_ok) {
    if (ok)
      rmdir(dir);
    free(dir);
    return ARCOS_EIO;
  }
  *seg_dir = dir;
  return ARCOS_OK;
}

void arcos_scratch_close(char **seg_dir) {
  if (*seg_dir == NULL)
    return;
  DIR *d = opendir(*seg_dir);
  if (d != NULL) {
    struct dirent *e;
    char path[4400];
    while ((e = readdir(d)) != NULL) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
        continue;
      snprintf(path, sizeof path, "%s/%s", *seg_dir, e->d_name);
      unlink(path);
    }
    closedir(d);
  }
  rmdir(*seg_dir);
  free(*seg_dir);
  *seg_dir = NULL;
}
