/* Progress on rank 0 (SPEC §10): records done, rate, share of input bytes and ETA every
 * --progress-interval seconds; a one-line bar on a terminal, timestamped lines in a
 * batch log. The other ranks report with MPI_Isend at most once per interval and never
 * wait for it, so progress never stalls the work; rank 0 picks reports up with
 * MPI_Iprobe when it prints. At the end of processing each rank says how many reports it
 * sent, and rank 0 receives exactly those, so no message is left behind. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arcos/util.h"
#include "run/progress.h"

enum { TAG_PROGRESS = 21 };

struct arcos_progress {
  MPI_Comm comm;
  int rank, size;
  FILE *err;
  uint64_t total_bytes;              /* of the plan: the share done */
  uint64_t done_records, done_bytes; /* this rank's, in finished partitions */
  double interval, t_start, last;
  bool tty, printed;
  uint64_t records, bytes; /* this rank so far */
  /* ranks > 0 */
  uint64_t msg[2];
  MPI_Request req;
  int sent;
  /* rank 0 */
  uint64_t *rank_records, *rank_bytes;
  int *received;
};

arcos_progress_t *arcos_progress_create(const arcos_ctx_t *ctx, uint64_t total_bytes) {
  const arcos_config_t *cfg = ctx->cfg;
  if (cfg->quiet || cfg->progress_interval <= 0)
    return NULL;
  arcos_progress_t *p = calloc(1, sizeof *p);
  if (p == NULL)
    return NULL;
  p->interval = cfg->progress_interval;
  p->t_start = p->last = arcos_now();
  p->tty = cfg->progress_style == 1 || (cfg->progress_style == 0 && isatty(STDERR_FILENO));
  p->req = MPI_REQUEST_NULL;
  p->comm = ctx->comm;
  p->rank = ctx->rank;
  p->size = ctx->size;
  p->err = ctx->err;
  p->total_bytes = total_bytes;
  if (ctx->rank == 0) {
    p->rank_records = calloc((size_t)ctx->size, sizeof *p->rank_records);
    p->rank_bytes = calloc((size_t)ctx->size, sizeof *p->rank_bytes);
    p->received = calloc((size_t)ctx->size, sizeof *p->received);
    if (p->rank_records == NULL || p->rank_bytes == NULL || p->received == NULL) {
      free(p->rank_records);
      free(p->rank_bytes);
      free(p->received);
      free(p);
      return NULL;
    }
  }
  return p;
}

static void drain(arcos_progress_t *p) {
  for (;;) {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(MPI_ANY_SOURCE, TAG_PROGRESS, p->comm, &flag, &st);
    if (!flag)
      return;
    uint64_t m[2];
    MPI_Recv(m, 2, MPI_UINT64_T, st.MPI_SOURCE, TAG_PROGRESS, p->comm, MPI_STATUS_IGNORE);
    p->rank_records[st.MPI_SOURCE] = m[0];
    p->rank_bytes[st.MPI_SOURCE] = m[1];
    p->received[st.MPI_SOURCE]++;
  }
}

static void print_line(arcos_progress_t *p, double now) {
  uint64_t records = 0, bytes = 0;
  p->rank_records[0] = p->records;
  p->rank_bytes[0] = p->bytes;
  for (int r = 0; r < p->size; r++) {
    records += p->rank_records[r];
    bytes += p->rank_bytes[r];
  }
  double el = now - p->t_start;
  double total = (double)p->total_bytes;
  double frac = total > 0 ? (double)bytes / total : 0.0;
  if (frac > 1.0)
    frac = 1.0;
  double rate = el > 0 ? (double)records / el : 0.0;
  double eta = frac > 0 ? el * (1.0 - frac) / frac : 0.0;
  FILE *err = p->err;
  if (p->tty) {
    char bar[31];
    int fill = (int)(frac * 30.0);
    for (int i = 0; i < 30; i++)
      bar[i] = i < fill ? '#' : '-';
    bar[30] = '\0';
    fprintf(err, "\r[%s] %5.1f%%  %llu records  %.0f records/s  ETA %.0f s   ", bar, 100.0 * frac,
            (unsigned long long)records, rate, eta);
  } else {
    char ts[32];
    arcos_rfc3339_format(arcos_epoch_now(), ts);
    fprintf(err, "%s arcos-scale: %llu records, %.1f%% of input, %.0f records/s, ETA %.0f s\n", ts,
            (unsigned long long)records, 100.0 * frac, rate, eta);
  }
  fflush(err);
  p->printed = true;
}

void arcos_progress_part_done(arcos_progress_t *p, uint64_t records, uint64_t bytes) {
  if (p == NULL)
    return;
  p->done_records += records;
  p->done_bytes += bytes;
}

void arcos_progress_tick(arcos_progress_t *p, uint64_t records, uint64_t bytes) {
  if (p == NULL)
    return;
  records += p->done_records;
  bytes += p->done_bytes;
  p->records = records;
  p->bytes = bytes;
  double now = arcos_now();
  if (now - p->last < p->interval)
    return;
  p->last = now;
  if (p->rank == 0) {
    drain(p);
    print_line(p, now);
    return;
  }
  int done = 1;
  if (p->req != MPI_REQUEST_NULL)
    MPI_Test(&p->req, &done, MPI_STATUS_IGNORE);
  if (!done)
    return; /* rank 0 has not taken the last report yet: skip this one */
  p->msg[0] = records;
  p->msg[1] = bytes;
  MPI_Isend(p->msg, 2, MPI_UINT64_T, 0, TAG_PROGRESS, p->comm, &p->req);
  p->sent++;
}

double arcos_progress_finish(arcos_progress_t *p, const arcos_ctx_t *ctx) {
  MPI_Comm comm = ctx->comm;
  double t0 = arcos_now();
  int sent = 0;
  if (p != NULL && ctx->rank != 0) {
    MPI_Wait(&p->req, MPI_STATUS_IGNORE);
    sent = p->sent;
  }
  /* Everyone arrives here when its work is done: waiting is idle time. Rank 0 keeps
   * reporting while the others finish. */
  int *counts = ctx->rank == 0 ? calloc((size_t)ctx->size, sizeof *counts) : NULL;
  MPI_Request req;
  MPI_Igather(&sent, 1, MPI_INT, counts, 1, MPI_INT, 0, comm, &req);
  for (;;) {
    int flag = 0;
    MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
    if (flag)
      break;
    if (p != NULL && ctx->rank == 0) {
      double now = arcos_now();
      if (now - p->last >= p->interval) {
        p->last = now;
        drain(p);
        print_line(p, now);
      }
    }
    struct timespec ts = {0, 2000000}; /* 2 ms between polls */
    nanosleep(&ts, NULL);
  }
  if (p != NULL && ctx->rank == 0) {
    for (int r = 1; r < ctx->size; r++) {
      while (p->received[r] < counts[r]) {
        uint64_t m[2];
        MPI_Recv(m, 2, MPI_UINT64_T, r, TAG_PROGRESS, comm, MPI_STATUS_IGNORE);
        p->received[r]++;
      }
    }
    if (p->printed && p->tty)
      fputc('\n', ctx->err);
  }
  free(counts);
  return arcos_now() - t0;
}

void arcos_progress_destroy(arcos_progress_t **pp) {
  if (pp == NULL || *pp == NULL)
    return;
  free((*pp)->rank_records);
  free((*pp)->rank_bytes);
  free((*pp)->received);
  free(*pp);
  *pp = NULL;
}

/* The one piece of process-wide state: a signal can only set a flag. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig) { stop_signal = sig; }

void arcos_install_stop_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGUSR1, &sa, NULL);
}

bool arcos_stop_requested(double deadline) {
  return stop_signal != 0 || (deadline > 0 && arcos_now() >= deadline);
}
