/* HDF5 graphs (docs/formats.md, "HDF5 graphs"): `convert` of a graph directory and the
 * parallel loader behind `--graph FILE.h5`.
 *
 * The file holds the graph already validated and densified, so that loading reads
 * integers, not JSON: node ids sorted byte-wise (unique), labels and relationship types
 * as sorted dictionaries (nodes and relationships hold their index), relationships as
 * (source, target, type) node-index arrays sorted by source, every node's out- and
 * in-degree, and the error records the conversion found. Sizes are declared as
 * attributes on "/" and checked against every dataset before anything is read.
 *
 * Loading (collective, every rank opens the file on its own and reads hyperslabs):
 *   1. rank r reads nodes [N r/P, N (r+1)/P) and sends each to its owner on the ring;
 *      since the file is sorted by id and ranks' blocks ascend, every owner receives
 *      its ids already sorted (checked: a file whose ids are not sorted and unique is
 *      refused), so a node's global number is known to its reader from two prefix
 *      sums (MPI_Exscan of the per-owner counts): no sorting, no reply;
 *   2. the node-index -> global-number map is gathered on every rank (8 bytes a node);
 *   3. rank r reads relationships [E r/P, E (r+1)/P) in rounds of EDGE_ROUND and sends
 *      each to the owner of its source (out-CSR) and of its target (in-CSR); owners
 *      place them straight into CSR arrays sized from the declared degrees.
 * Every index read from the file is bounds-checked; a mismatch anywhere is a clear
 * error that all ranks agree on (the first failing rank's message is broadcast). */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arcos/graph.h"
#include "arcos/h5.h"
#include "arcos/outfile.h"
#include "arcos/ring.h"
#include "arcos/util.h"
#include "evidence/fastjson.h"
#include "graph/graph_h5_internal.h"
#include "graph/graph_internal.h"

/* clang-tidy's path-sensitive core checkers do not model what MPI collectives
 * (MPI_Allreduce, MPI_Exscan, MPI_Alltoallv) and arcos_h5r_read write into their
 * buffers, nor that agree_d makes every rank take the same branch after an allocation,
 * so they report values filled by those calls as garbage or NULL (20 findings, all of
 * that pattern, triaged by hand). The other checks (bugprone-*, cert-*, ...) stay on. */
// NOLINTBEGIN(clang-analyzer-core.NullDereference,clang-analyzer-core.UndefinedBinaryOperatorResult,clang-analyzer-core.NonNullParamChecker,clang-analyzer-core.uninitialized.Assign,clang-analyzer-core.uninitialized.ArraySubscript,clang-analyzer-core.CallAndMessage)

#define ID_MAX 256
#define EDGE_ROUND ((uint64_t)1 << 20) /* relationships per rank and loader round */
#define OUT_FLAG 0x80000000u           /* in-edge marker in the exchanged type word */

static const char *const FIX =
    "the file is damaged or was not written by arcos-scale convert: convert the graph again "
    "(arcos-scale convert GRAPH_DIR --out FILE.h5)";

int arcos_graph_detect(const char *path) {
  struct stat st;
  if (path == NULL || stat(path, &st) != 0)
    return 0;
  if (S_ISREG(st.st_mode))
    return ARCOS_GRAPH_HDF5;
  if (!S_ISDIR(st.st_mode))
    return 0;
  static const char *const ext[2] = {"jsonl", "json"};
  for (int k = 0; k < 2; k++) {
    char np[4200], rp[4200];
    struct stat a, b;
    snprintf(np, sizeof np, "%s/nodes.%s", path, ext[k]);
    snprintf(rp, sizeof rp, "%s/relationships.%s", path, ext[k]);
    if (stat(np, &a) == 0 && S_ISREG(a.st_mode) && stat(rp, &b) == 0 && S_ISREG(b.st_mode))
      return ARCOS_GRAPH_DIR;
  }
  return 0;
}

/* All ranks agree on failure; the lowest failing rank's code and detail win. */
static int agree_d(MPI_Comm comm, int rank, int size, int rc, arcos_detail_t *d) {
  int who = rc != ARCOS_OK ? rank : size;
  MPI_Allreduce(MPI_IN_PLACE, &who, 1, MPI_INT, MPI_MIN, comm);
  if (who == size)
    return ARCOS_OK;
  arcos_detail_t tmp;
  arcos_detail_clear(&tmp);
  if (rank == who && d != NULL)
    tmp = *d;
  int code = rc;
  MPI_Bcast(&code, 1, MPI_INT, who, comm);
  MPI_Bcast(&tmp, (int)sizeof tmp, MPI_BYTE, who, comm);
  if (tmp.code == 0)
    arcos_detail_set(&tmp, code, "graph", 0, "loading the HDF5 graph failed: %s",
                     arcos_strerror(code));
  if (d != NULL)
    *d = tmp;
  return code;
}

static int bad(arcos_detail_t *d, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(arcos_detail_t *d, const char *path, const char *fmt, ...) {
  char msg[320];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return arcos_detail_set(d, ARCOS_EINVALID, path, 0, "%s; %s", msg, FIX);
}

/* ---- the layout ---- */

enum { Z_NODES, Z_RELS, Z_LABELS, Z_TYPES, Z_ERRORS, Z_COUNT };
static const char *const SIZE_ATTR[Z_COUNT] = {"nodes", "relationships", "labels", "types",
                                               "errors"};

/* Integer datasets and the declared size that is their length. */
static const struct {
  const char *path;
  int size;
} INTS[] = {
    {"/graph/nodes/label", Z_NODES},         {"/graph/nodes/out_degree", Z_NODES},
    {"/graph/nodes/in_degree", Z_NODES},     {"/graph/relationships/source", Z_RELS},
    {"/graph/relationships/target", Z_RELS}, {"/graph/relationships/type", Z_RELS},
    {"/graph/errors/line", Z_ERRORS},
};
/* String columns (NAME_chars, NAME_offset, NAME_length). */
static const struct {
  const char *path;
  int size;
} STRS[] = {
    {"/graph/nodes/id", Z_NODES},     {"/graph/nodes/properties", Z_NODES},
    {"/graph/labels/name", Z_LABELS}, {"/graph/types/name", Z_TYPES},
    {"/graph/errors/kind", Z_ERRORS}, {"/graph/errors/input", Z_ERRORS},
    {"/graph/errors/key", Z_ERRORS},  {"/graph/errors/error", Z_ERRORS},
};
#define NINTS (sizeof INTS / sizeof INTS[0])
#define NSTRS (sizeof STRS / sizeof STRS[0])

/* ---- convert ---- */

typedef struct {
  const char *id, *props;
  uint32_t idn, pn, label;
  uint64_t gid;
} cnode_t;

static int cmp_cnode(const void *a, const void *b) {
  const cnode_t *x = a, *y = b;
  int c = memcmp(x->id, y->id, x->idn < y->idn ? x->idn : y->idn);
  if (c != 0)
    return c;
  return x->idn < y->idn ? -1 : x->idn > y->idn;
}

/* Rank 0's view of the whole graph, in file order. */
typedef struct {
  uint64_t N, E, L, T, K;
  cnode_t *nodes; /* sorted by id */
  uint32_t *label, *idlen, *plen, *odeg32, *ideg32;
  const char **ids, **props;
  uint32_t *src, *dst, *type; /* sorted by (source, type, target) */
  json_t *errs;
} whole_t;

static void whole_free(whole_t *w) {
  free(w->nodes);
  free(w->label);
  free(w->idlen);
  free(w->plen);
  free(w->odeg32);
  free(w->ideg32);
  free(w->ids);
  free(w->props);
  free(w->src);
  free(w->dst);
  free(w->type);
}

/* Rank 0: node records and edges of all ranks -> file order. */
static int arrange(const arcos_graph_t *g, const char *nb, size_t nbytes, const uint64_t *es,
                   const uint64_t *ed, const uint32_t *et, whole_t *w) {
  uint64_t N = w->N, E = w->E;
  w->nodes = calloc(N + 1, sizeof *w->nodes);
  if (w->nodes == NULL)
    return ARCOS_ENOMEM;
  const char *p = nb, *end = nb + nbytes;
  for (uint64_t i = 0; i < N; i++) {
    cnode_t *c = &w->nodes[i];
    uint32_t hdr[3];
    if (end - p < (ptrdiff_t)(8 + sizeof hdr))
      return ARCOS_EINTERNAL;
    memcpy(&c->gid, p, 8);
    memcpy(hdr, p + 8, sizeof hdr);
    p += 8 + sizeof hdr;
    c->label = hdr[0];
    c->idn = hdr[1];
    c->pn = hdr[2];
    c->id = p;
    c->props = p + c->idn;
    p += (size_t)c->idn + c->pn;
  }
  if (N > 1)
    qsort(w->nodes, N, sizeof *w->nodes, cmp_cnode);
  uint64_t gspace = g->gid_base[g->size];
  uint32_t *pos = malloc((gspace + 1) * sizeof *pos);
  uint64_t *off = calloc(N + 2, sizeof *off);
  uint64_t *nbr = malloc((E + 1) * sizeof *nbr);
  uint64_t *fill = calloc(N + 1, sizeof *fill);
  w->type = malloc((E + 1) * sizeof *w->type);
  w->src = malloc((E + 1) * sizeof *w->src);
  w->dst = malloc((E + 1) * sizeof *w->dst);
  w->odeg32 = calloc(N + 1, sizeof *w->odeg32);
  w->ideg32 = calloc(N + 1, sizeof *w->ideg32);
  w->label = malloc((N + 1) * sizeof *w->label);
  w->idlen = malloc((N + 1) * sizeof *w->idlen);
  w->plen = malloc((N + 1) * sizeof *w->plen);
  w->ids = malloc((N + 1) * sizeof *w->ids);
  w->props = malloc((N + 1) * sizeof *w->props);
  int rc = ARCOS_OK;
  if (!pos || !off || !nbr || !fill || !w->type || !w->src || !w->dst || !w->odeg32 || !w->ideg32 ||
      !w->label || !w->idlen || !w->plen || !w->ids || !w->props) {
    rc = ARCOS_ENOMEM;
    goto out;
  }
  for (uint64_t i = 0; i < N; i++) {
    pos[w->nodes[i].gid] = (uint32_t)i;
    w->label[i] = w->nodes[i].label;
    w->idlen[i] = w->nodes[i].idn;
    w->plen[i] = w->nodes[i].pn;
    w->ids[i] = w->nodes[i].id;
    w->props[i] = w->nodes[i].props;
  }
  for (uint64_t e = 0; e < E; e++) {
    off[pos[es[e]] + 1]++;
    w->ideg32[pos[ed[e]]]++;
  }
  for (uint64_t v = 0; v < N; v++) {
    w->odeg32[v] = (uint32_t)off[v + 1];
    off[v + 1] += off[v];
  }
  for (uint64_t e = 0; e < E; e++) {
    uint32_t s = pos[es[e]];
    uint64_t at = off[s] + fill[s]++;
    nbr[at] = pos[ed[e]];
    w->type[at] = et[e];
  }
  rc = graph_sort_adjacency((uint32_t)N, off, nbr, w->type);
  for (uint64_t v = 0; rc == ARCOS_OK && v < N; v++)
    for (uint64_t e = off[v]; e < off[v + 1]; e++) {
      w->src[e] = (uint32_t)v;
      w->dst[e] = (uint32_t)nbr[e];
    }
out:
  free(pos);
  free(off);
  free(nbr);
  free(fill);
  return rc;
}

static int write_strings0(arcos_h5_t *h, int rank, const char *path, uint64_t n,
                          const char *const *s, const uint32_t *len) {
  uint64_t zero = 0, cnt = rank == 0 ? n : 0;
  return arcos_h5_write_strings(h, path, n, rank == 0 ? 1 : 0, &zero, &cnt, s, len);
}

static int write_ints0(arcos_h5_t *h, int rank, const char *path, arcos_h5_type_t t, uint64_t n,
                       const void *buf) {
  uint64_t zero = 0, cnt = rank == 0 ? n : 0;
  return arcos_h5_write_blocks(h, path, t, n, rank == 0 ? 1 : 0, &zero, &cnt, buf);
}

/* A dictionary (labels or types): every rank holds the same table. */
static int write_names(arcos_h5_t *h, int rank, const char *path, char **names, int n) {
  const char **s = calloc((size_t)n + 1, sizeof *s);
  uint32_t *l = calloc((size_t)n + 1, sizeof *l);
  int rc = s != NULL && l != NULL ? ARCOS_OK : ARCOS_ENOMEM;
  for (int i = 0; rc == ARCOS_OK && i < n; i++) {
    s[i] = names[i];
    l[i] = (uint32_t)strlen(names[i]);
  }
  if (rc == ARCOS_OK)
    rc = write_strings0(h, rank, path, (uint64_t)n, s, l);
  free(s);
  free(l);
  return rc;
}

/* The error records as string columns (rank 0 holds the gathered array). */
static int write_errors(arcos_h5_t *h, int rank, json_t *errs, uint64_t K) {
  static const char *const keys[4] = {"kind", "input", "key", "error"};
  const char **s = calloc(K + 1, sizeof *s);
  uint32_t *l = calloc(K + 1, sizeof *l);
  int64_t *line = calloc(K + 1, sizeof *line);
  int rc = s && l && line ? ARCOS_OK : ARCOS_ENOMEM;
  for (int k = 0; k < 4; k++) {
    for (uint64_t i = 0; rank == 0 && rc == ARCOS_OK && i < K; i++) {
      json_t *v = json_object_get(json_array_get(errs, i), keys[k]);
      s[i] = json_string_value(v) ? json_string_value(v) : "";
      l[i] = (uint32_t)strlen(s[i]);
      line[i] = (int64_t)json_integer_value(json_object_get(json_array_get(errs, i), "line"));
    }
    char path[64];
    snprintf(path, sizeof path, "/graph/errors/%s", keys[k]);
    rc = write_strings0(h, rank, path, K, s, l); /* agrees on an earlier local failure */
    if (rc != ARCOS_OK)
      break;
  }
  if (rc == ARCOS_OK)
    rc = write_ints0(h, rank, "/graph/errors/line", ARCOS_H5_I64, K, line);
  free(s);
  free(l);
  free(line);
  return rc;
}

static int write_graph(arcos_h5_t *h, int rank, const arcos_graph_t *g, whole_t *w,
                       const arcos_graph_convert_opts_t *o, const char *dir) {
  int rc = arcos_h5_group(h, "/graph");
  static const char *const groups[] = {"/graph/nodes", "/graph/relationships", "/graph/labels",
                                       "/graph/types", "/graph/errors"};
  for (size_t i = 0; rc == ARCOS_OK && i < sizeof groups / sizeof groups[0]; i++)
    rc = arcos_h5_group(h, groups[i]);
  if (rc == ARCOS_OK)
    rc = arcos_h5_set_chunking(h, o->chunk_rows, o->chunk_bytes, o->deflate, -1);
  if (rc == ARCOS_OK)
    rc = write_names(h, rank, "/graph/labels/name", g->labels, g->nlabels);
  if (rc == ARCOS_OK)
    rc = write_names(h, rank, "/graph/types/name", g->types, g->ntypes);
  if (rc == ARCOS_OK)
    rc = write_strings0(h, rank, "/graph/nodes/id", w->N, w->ids, w->idlen);
  if (rc == ARCOS_OK)
    rc = write_strings0(h, rank, "/graph/nodes/properties", w->N, w->props, w->plen);
  if (rc == ARCOS_OK)
    rc = write_ints0(h, rank, "/graph/nodes/label", ARCOS_H5_U32, w->N, w->label);
  if (rc == ARCOS_OK)
    rc = write_ints0(h, rank, "/graph/nodes/out_degree", ARCOS_H5_U32, w->N, w->odeg32);
  if (rc == ARCOS_OK)
    rc = write_ints0(h, rank, "/graph/nodes/in_degree", ARCOS_H5_U32, w->N, w->ideg32);
  if (rc == ARCOS_OK)
    rc = write_ints0(h, rank, "/graph/relationships/source", ARCOS_H5_U32, w->E, w->src);
  if (rc == ARCOS_OK)
    rc = write_ints0(h, rank, "/graph/relationships/target", ARCOS_H5_U32, w->E, w->dst);
  if (rc == ARCOS_OK)
    rc = write_ints0(h, rank, "/graph/relationships/type", ARCOS_H5_U32, w->E, w->type);
  if (rc == ARCOS_OK)
    rc = write_errors(h, rank, w->errs, w->K);
  if (rc == ARCOS_OK)
    rc = arcos_h5_attr_string(h, "/", "arcos_format", ARCOS_GRAPH_FORMAT);
  if (rc == ARCOS_OK)
    rc = arcos_h5_attr_i64(h, "/", "arcos_format_version", ARCOS_GRAPH_VERSION);
  if (rc == ARCOS_OK)
    rc = arcos_h5_attr_string(h, "/", "arcos_version", ARCOS_VERSION);
  uint64_t z[Z_COUNT] = {w->N, w->E, w->L, w->T, w->K};
  for (int k = 0; rc == ARCOS_OK && k < Z_COUNT; k++)
    rc = arcos_h5_attr_u64(h, "/", SIZE_ATTR[k], z[k]);
  if (rc == ARCOS_OK)
    rc = arcos_h5_attr_string(h, "/", "source", dir);
  return rc;
}

/* This rank's nodes (gid, label, id length, properties length, id, properties) into nb,
 * and its out-edges (source gid, target gid, type) into es/ed/et (g->nout each). */
static int pack_local(const arcos_graph_t *g, arcos_buf_t *nb, uint64_t *es, uint64_t *ed,
                      uint32_t *et) {
  int rc = ARCOS_OK;
  for (uint32_t v = 0; rc == ARCOS_OK && v < g->n; v++) {
    uint64_t gid = g->gid_base[g->rank] + v;
    const char *pt = g->props[v]; /* canonical text, Python's json.dumps(sort_keys=True) */
    uint32_t hdr[3] = {(uint32_t)g->label[v], g->id_len[v], pt ? (uint32_t)strlen(pt) : 0};
    rc = arcos_buf_append(nb, &gid, 8);
    rc = rc ? rc : arcos_buf_append(nb, hdr, sizeof hdr);
    rc = rc ? rc : arcos_buf_append(nb, g->ids[v], hdr[1]);
    rc = rc ? rc : arcos_buf_append(nb, pt ? pt : "", hdr[2]);
    for (uint64_t e = g->out_off[v]; rc == ARCOS_OK && e < g->out_off[v + 1]; e++) {
      es[e] = gid;
      ed[e] = g->out_nbr[e];
      et[e] = g->out_type[e];
    }
  }
  return rc;
}

/* What rank 0 gathers: every rank's packed nodes and out-edges, with the counts and
 * displacements of both (MPI counts are ints). */
typedef struct {
  char *nodes;         /* rank 0: all packed nodes (w's strings point into them) */
  uint64_t *src, *dst; /* rank 0: all out-edges */
  uint32_t *type;
  int *cnt; /* rank 0: node bytes, their displs, edges, their displs (x size) */
  uint64_t node_bytes;
} gathered_t;

/* Rank 0: the counts of every rank (mine: node bytes, edges) and room for all of it. */
static int gather_counts(MPI_Comm comm, int rank, int size, const int mine[2], gathered_t *ga,
                         const char *dir, arcos_detail_t *d) {
  int *both = rank == 0 ? calloc((size_t)size * 2, sizeof(int)) : NULL;
  MPI_Gather(mine, 2, MPI_INT, both, 2, MPI_INT, 0, comm);
  uint64_t tb = 0, te = 0;
  int *cnt = ga->cnt;
  for (int q = 0; rank == 0 && q < size; q++) {
    cnt[q] = both[2 * q];
    cnt[size + q] = (int)tb;
    cnt[2 * size + q] = both[2 * q + 1];
    cnt[3 * size + q] = (int)te;
    tb += (uint64_t)both[2 * q];
    te += (uint64_t)both[2 * q + 1];
  }
  free(both);
  int lrc = ARCOS_OK;
  if (rank == 0) {
    if (tb > INT_MAX)
      lrc = arcos_detail_set(d, ARCOS_ERANGE, dir, 0,
                             "the graph's node data exceed the 2 GiB that convert gathers "
                             "on rank 0");
    ga->node_bytes = tb;
    ga->nodes = malloc(tb + 1);
    ga->src = malloc((te + 1) * sizeof *ga->src);
    ga->dst = malloc((te + 1) * sizeof *ga->dst);
    ga->type = malloc((te + 1) * sizeof *ga->type);
    if (lrc == ARCOS_OK && (!ga->nodes || !ga->src || !ga->dst || !ga->type))
      lrc = ARCOS_ENOMEM;
  }
  return agree_d(comm, rank, size, lrc, d);
}

/* The whole graph on rank 0 (w), from every rank's nodes and out-edges. */
static int gather_whole(MPI_Comm comm, int rank, int size, const arcos_graph_t *g, whole_t *w,
                        gathered_t *ga, const char *dir, arcos_detail_t *d) {
  arcos_buf_t nb = {0};
  uint64_t ne = g->nout;
  uint64_t *es = malloc((ne + 1) * sizeof *es), *ed = malloc((ne + 1) * sizeof *ed);
  uint32_t *et = malloc((ne + 1) * sizeof *et);
  int rc = es && ed && et ? pack_local(g, &nb, es, ed, et) : ARCOS_ENOMEM;
  /* MPI counts and displacements are ints: convert gathers at most 2^31-1 bytes of
   * nodes and 2^31-1 relationships on rank 0. */
  if (rc == ARCOS_OK && (w->E > INT_MAX || w->N > INT_MAX || nb.len > INT_MAX))
    rc = arcos_detail_set(d, ARCOS_ERANGE, dir, 0,
                          "the graph is too large for convert (it gathers the graph on rank 0: "
                          "at most 2^31-1 relationships and 2 GiB of node data)");
  int mine[2] = {(int)nb.len, (int)ne};
  ga->cnt = rank == 0 ? calloc((size_t)size * 4, sizeof(int)) : NULL;
  if (rank == 0 && ga->cnt == NULL)
    rc = ARCOS_ENOMEM;
  rc = agree_d(comm, rank, size, rc, d);
  if (rc == ARCOS_OK)
    rc = gather_counts(comm, rank, size, mine, ga, dir, d);
  if (rc == ARCOS_OK) {
    int *c = ga->cnt, *c0 = c, *c1 = c ? c + size : NULL, *c2 = c ? c + 2 * size : NULL,
        *c3 = c ? c + 3 * size : NULL;
    MPI_Gatherv(nb.data, mine[0], MPI_BYTE, ga->nodes, c0, c1, MPI_BYTE, 0, comm);
    MPI_Gatherv(es, mine[1], MPI_UINT64_T, ga->src, c2, c3, MPI_UINT64_T, 0, comm);
    MPI_Gatherv(ed, mine[1], MPI_UINT64_T, ga->dst, c2, c3, MPI_UINT64_T, 0, comm);
    MPI_Gatherv(et, mine[1], MPI_UINT32_T, ga->type, c2, c3, MPI_UINT32_T, 0, comm);
    int lrc = rank == 0 ? arrange(g, ga->nodes, ga->node_bytes, ga->src, ga->dst, ga->type, w)
                        : ARCOS_OK;
    rc = agree_d(comm, rank, size, lrc, d);
  }
  free(es);
  free(ed);
  free(et);
  arcos_buf_free(&nb);
  return rc;
}

/* The HDF5 file at out: written under a temporary name, renamed by rank 0 when whole. */
static int write_file(MPI_Comm comm, int rank, int size, const arcos_graph_t *g, whole_t *w,
                      const arcos_graph_convert_opts_t *o, const char *dir, const char *out, int rc,
                      arcos_detail_t *d) {
  char *tmp = arcos_out_temp_name(out);
  if (rc == ARCOS_OK && tmp == NULL)
    rc = ARCOS_ENOMEM;
  rc = agree_d(comm, rank, size, rc, d);
  arcos_h5_t *h = NULL;
  if (rc == ARCOS_OK)
    rc = arcos_h5_create(comm, tmp, &h, d);
  if (rc == ARCOS_OK) {
    rc = write_graph(h, rank, g, w, o, dir);
    if (rc != ARCOS_OK && rank == 0)
      arcos_detail_set(d, rc, out, 0, "writing the HDF5 graph failed: %s", arcos_h5_errmsg(h));
    int crc = arcos_h5_close(&h);
    rc = rc != ARCOS_OK ? rc : crc;
  }
  int frc = ARCOS_OK;
  if (rank == 0 && tmp != NULL) {
    if (rc == ARCOS_OK && rename(tmp, out) != 0)
      frc = arcos_detail_set(d, ARCOS_EIO, out, 0, "cannot rename %s: %s", tmp, strerror(errno));
    if (rc != ARCOS_OK || frc != ARCOS_OK)
      unlink(tmp);
  }
  MPI_Bcast(&frc, 1, MPI_INT, 0, comm);
  free(tmp);
  return rc != ARCOS_OK ? rc : frc;
}

int arcos_graph_convert(MPI_Comm comm, const char *dir, const arcos_graph_convert_opts_t *o,
                        const char *out, arcos_graph_convert_stats_t *st, arcos_detail_t *d) {
  memset(st, 0, sizeof *st);
  int rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  /* The directory is loaded through graph.c's builder API directly: this module
   * never goes back through arcos_graph_load (graph_load.c), which calls it. */
  double t0 = arcos_now();
  arcos_graph_t *g = NULL;
  int rc = graph_create(comm, &g, d);
  if (rc == ARCOS_OK && (rc = graph_load_dir(g, dir, d)) != ARCOS_OK)
    arcos_graph_destroy(&g);
  if (rc != ARCOS_OK)
    return rc;
  double dt = arcos_now() - t0;
  MPI_Allreduce(&dt, &g->stats.load_s, 1, MPI_DOUBLE, MPI_MAX, comm);
  double t1 = arcos_now();
  st->load_s = g->stats.load_s;
  json_t *errs = arcos_graph_errors_gather(g);
  whole_t w;
  memset(&w, 0, sizeof w);
  w.N = g->stats.nodes;
  w.E = g->stats.edges;
  w.L = (uint64_t)g->nlabels;
  w.T = (uint64_t)g->ntypes;
  w.K = rank == 0 ? json_array_size(errs) : 0;
  MPI_Bcast(&w.K, 1, MPI_UINT64_T, 0, comm);
  w.errs = errs;
  gathered_t ga = {0};
  rc = gather_whole(comm, rank, size, g, &w, &ga, dir, d);
  free(ga.src);
  free(ga.dst);
  free(ga.type);
  free(ga.cnt);
  rc = write_file(comm, rank, size, g, &w, o, dir, out, rc, d);
  st->nodes = w.N;
  st->relationships = w.E;
  st->errors = w.K;
  st->write_s = arcos_now() - t1;
  free(ga.nodes);
  whole_free(&w);
  json_decref(errs);
  arcos_graph_destroy(&g);
  return rc;
}

/* ---- load ---- */

/* Check the format attributes and that every dataset exists, holds integers and has
 * the length its declared size says; string columns also end where their chars do. */
static int probe(arcos_h5r_t *h, const char *path, uint64_t z[Z_COUNT], arcos_detail_t *d) {
  char *fmt = NULL;
  int rc = arcos_h5r_attr_string(h, "/", "arcos_format", &fmt);
  if (rc != ARCOS_OK || strcmp(fmt, ARCOS_GRAPH_FORMAT) != 0) {
    rc = arcos_detail_set(d, ARCOS_EINVALID, path, 0,
                          "is an HDF5 file but not an arcos-scale graph (attribute arcos_format "
                          "is \"%s\", expected \"%s\"); --graph takes a graph directory or a "
                          "file made by arcos-scale convert GRAPH_DIR --out FILE.h5",
                          fmt != NULL ? fmt : "(none)", ARCOS_GRAPH_FORMAT);
    free(fmt);
    return rc;
  }
  free(fmt);
  int64_t v = 0;
  if (arcos_h5r_attr_i64(h, "/", "arcos_format_version", &v) != ARCOS_OK ||
      v != ARCOS_GRAPH_VERSION)
    return arcos_detail_set(d, ARCOS_EINVALID, path, 0,
                            "HDF5 graph format version %" PRId64 " is not supported (this build "
                            "reads version %d); convert the graph again with this build",
                            v, ARCOS_GRAPH_VERSION);
  for (int k = 0; k < Z_COUNT; k++) {
    if (arcos_h5r_attr_i64(h, "/", SIZE_ATTR[k], &v) != ARCOS_OK || v < 0)
      return bad(d, path, "the declared size (attribute %s on /) is missing or negative",
                 SIZE_ATTR[k]);
    z[k] = (uint64_t)v;
  }
  if (z[Z_NODES] > INT_MAX || z[Z_TYPES] >= OUT_FLAG || z[Z_LABELS] > INT_MAX)
    return arcos_detail_set(d, ARCOS_ERANGE, path, 0,
                            "declares %" PRIu64 " nodes, %" PRIu64 " labels and %" PRIu64
                            " types; this build loads at most 2^31-1 of each",
                            z[Z_NODES], z[Z_LABELS], z[Z_TYPES]);
  for (size_t i = 0; i < NINTS; i++) {
    uint64_t len = 0;
    if (arcos_h5r_check_integer(h, INTS[i].path, 8) != ARCOS_OK ||
        arcos_h5r_length(h, INTS[i].path, &len) != ARCOS_OK)
      return bad(d, path, "%s", arcos_h5r_errmsg(h));
    if (len != z[INTS[i].size])
      return bad(d, path,
                 "%s has %" PRIu64 " elements, the file declares %" PRIu64 " (attribute %s)",
                 INTS[i].path, len, z[INTS[i].size], SIZE_ATTR[INTS[i].size]);
  }
  for (size_t i = 0; i < NSTRS; i++) {
    char ds[3][96];
    static const char *const suf[3] = {"chars", "offset", "length"};
    uint64_t len[3];
    for (int k = 0; k < 3; k++) {
      snprintf(ds[k], sizeof ds[k], "%s_%s", STRS[i].path, suf[k]);
      if (arcos_h5r_check_integer(h, ds[k], k == 0 ? 1 : 8) != ARCOS_OK ||
          arcos_h5r_length(h, ds[k], &len[k]) != ARCOS_OK)
        return bad(d, path, "%s", arcos_h5r_errmsg(h));
    }
    uint64_t n = z[STRS[i].size];
    for (int k = 1; k < 3; k++)
      if (len[k] != n)
        return bad(d, path,
                   "%s has %" PRIu64 " elements, the file declares %" PRIu64 " (attribute %s)",
                   ds[k], len[k], n, SIZE_ATTR[STRS[i].size]);
    uint64_t end = 0;
    if (n > 0) {
      uint64_t off = 0, l = 0;
      if (arcos_h5r_read(h, ds[1], ARCOS_H5_U64, n - 1, 1, &off) != ARCOS_OK ||
          arcos_h5r_read(h, ds[2], ARCOS_H5_U64, n - 1, 1, &l) != ARCOS_OK)
        return bad(d, path, "%s", arcos_h5r_errmsg(h));
      end = off + l;
      if (end < off)
        end = UINT64_MAX;
    }
    if (end != len[0])
      return bad(d, path, "%s holds %" PRIu64 " bytes, its rows end at byte %" PRIu64, ds[0],
                 len[0], end);
  }
  return ARCOS_OK;
}

/* Rows [a, a + n) of a string column: *chars holds their bytes (row i starts at
 * (*off)[i] - (*off)[0]); every row is checked to follow the previous one and to lie
 * inside the column's chars. */
static int read_strings(arcos_h5r_t *h, const char *path, const char *col, uint64_t a, uint64_t n,
                        char **chars, uint64_t **off, uint64_t **len, arcos_detail_t *d) {
  char ds[3][96];
  snprintf(ds[0], sizeof ds[0], "%s_chars", col);
  snprintf(ds[1], sizeof ds[1], "%s_offset", col);
  snprintf(ds[2], sizeof ds[2], "%s_length", col);
  *chars = NULL;
  *off = malloc((n + 1) * sizeof **off);
  *len = malloc((n + 1) * sizeof **len);
  if (*off == NULL || *len == NULL)
    return ARCOS_ENOMEM;
  if (n == 0)
    return (*chars = malloc(1)) != NULL ? ARCOS_OK : ARCOS_ENOMEM;
  uint64_t nchars = 0;
  if (arcos_h5r_length(h, ds[0], &nchars) != ARCOS_OK ||
      arcos_h5r_read(h, ds[1], ARCOS_H5_U64, a, n, *off) != ARCOS_OK ||
      arcos_h5r_read(h, ds[2], ARCOS_H5_U64, a, n, *len) != ARCOS_OK)
    return bad(d, path, "%s", arcos_h5r_errmsg(h));
  uint64_t first = (*off)[0], pos = first;
  for (uint64_t i = 0; i < n; i++) {
    if ((*off)[i] != pos || (*len)[i] > nchars || pos > nchars - (*len)[i])
      return bad(d, path,
                 "%s row %" PRIu64 " (offset %" PRIu64 ", length %" PRIu64
                 ") does not follow the previous row inside the %" PRIu64 " bytes of %s",
                 ds[1], a + i, (*off)[i], (*len)[i], nchars, ds[0]);
    pos += (*len)[i];
  }
  *chars = malloc(pos - first + 1);
  if (*chars == NULL)
    return ARCOS_ENOMEM;
  if (arcos_h5r_read(h, ds[0], ARCOS_H5_CHAR, first, pos - first, *chars) != ARCOS_OK)
    return bad(d, path, "%s", arcos_h5r_errmsg(h));
  (*chars)[pos - first] = '\0';
  return ARCOS_OK;
}

/* A dictionary: names of 1..256 bytes without NUL, strictly ascending byte-wise. */
static int read_names(arcos_graph_t *g, arcos_h5r_t *h, const char *path, const char *col,
                      uint64_t n, char ***out, int *count, arcos_detail_t *d) {
  char *chars = NULL;
  uint64_t *off = NULL, *len = NULL;
  int rc = read_strings(h, path, col, 0, n, &chars, &off, &len, d);
  char **names = rc == ARCOS_OK ? calloc(n + 1, sizeof *names) : NULL;
  if (rc == ARCOS_OK && names == NULL)
    rc = ARCOS_ENOMEM;
  for (uint64_t i = 0; rc == ARCOS_OK && i < n; i++) {
    const char *s = chars + (off[i] - off[0]);
    if (len[i] == 0 || len[i] > ID_MAX || memchr(s, '\0', len[i]) != NULL) {
      rc = bad(d, path, "%s row %" PRIu64 " is empty, longer than 256 bytes or holds a NUL", col,
               i);
      break;
    }
    names[i] = arcos_arena_strndup(g->arena, s, len[i]);
    if (names[i] == NULL)
      rc = ARCOS_ENOMEM;
    else if (i > 0 && strcmp(names[i - 1], names[i]) >= 0)
      rc = bad(d, path, "%s is not sorted and unique at row %" PRIu64, col, i);
  }
  free(chars);
  free(off);
  free(len);
  if (rc != ARCOS_OK) {
    free(names);
    return rc;
  }
  *out = names;
  *count = (int)n;
  return ARCOS_OK;
}

static int cmp_id(const char *a, size_t an, const char *b, size_t bn) {
  int c = memcmp(a, b, an < bn ? an : bn);
  return c != 0 ? c : an < bn ? -1 : an > bn;
}

typedef struct {
  arcos_graph_t *g;
  arcos_h5r_t *h;
  const char *path;
  arcos_detail_t *d;
  uint64_t z[Z_COUNT];
  uint64_t *map; /* node index -> gid, every node */
  arcos_buf_t *send, recv;
} ld_t;

/* A node's stored properties text (compact JSON from earlier versions, canonical text
 * since) as its canonical text, read as Python reads it. ARCOS_EINVALID: no object. */
static int node_props(arcos_graph_t *g, arcos_fastjson_t *fj, uint32_t v, const char *pt,
                      size_t n) {
  uint8_t kind;
  const char *canon;
  size_t len;
  int rc = arcos_fastjson_canonical(fj, pt, n, &kind, &canon, &len);
  if (rc == ARCOS_ENOMEM)
    return rc;
  if (rc != ARCOS_OK || kind != ARCOS_FJ_OBJECT)
    return ARCOS_EINVALID;
  g->props[v] = arcos_arena_strndup(g->arena, canon, len);
  return g->props[v] != NULL ? ARCOS_OK : ARCOS_ENOMEM;
}

/* Owner side of step 1: the `mine` node records received, sorted by id (the file's
 * order, rank by rank), become this rank's vertices. */
static int owner_nodes(ld_t *L, uint64_t mine) {
  arcos_graph_t *g = L->g;
  int rc = ARCOS_OK;
  g->ids = calloc(mine + 1, sizeof *g->ids);
  g->id_len = calloc(mine + 1, sizeof *g->id_len);
  // NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers (char *)
  g->props = calloc(mine + 1, sizeof *g->props);
  arcos_fastjson_t *fj = arcos_fastjson_create();
  g->label = calloc(mine + 1, sizeof *g->label);
  g->out_off = calloc(mine + 2, sizeof *g->out_off);
  g->in_off = calloc(mine + 2, sizeof *g->in_off);
  if (!g->ids || !g->id_len || !g->props || !g->label || !g->out_off || !g->in_off || !fj)
    rc = ARCOS_ENOMEM;
  const char *p = L->recv.data, *end = p + L->recv.len;
  uint32_t v = 0;
  while (rc == ARCOS_OK && p < end) {
    uint64_t deg[2];
    uint32_t hdr[3];
    if ((size_t)(end - p) < sizeof deg + sizeof hdr || v >= mine) {
      rc = ARCOS_EINTERNAL;
      break;
    }
    memcpy(deg, p, sizeof deg);
    memcpy(hdr, p + sizeof deg, sizeof hdr);
    p += sizeof deg + sizeof hdr;
    if ((size_t)(end - p) < (size_t)hdr[1] + hdr[2]) {
      rc = ARCOS_EINTERNAL;
      break;
    }
    const char *id = p, *pt = p + hdr[1];
    p += (size_t)hdr[1] + hdr[2];
    if (v > 0 && cmp_id(g->ids[v - 1], g->id_len[v - 1], id, hdr[1]) >= 0) {
      rc = bad(L->d, L->path,
               "node id \"%.*s\" %s: /graph/nodes/id must be sorted byte-wise "
               "and unique",
               (int)(hdr[1] > 80 ? 80 : hdr[1]), id,
               cmp_id(g->ids[v - 1], g->id_len[v - 1], id, hdr[1]) == 0 ? "is repeated"
                                                                        : "is out of order");
      break;
    }
    g->ids[v] = arcos_arena_strndup(g->arena, id, hdr[1]);
    if (g->ids[v] == NULL) {
      rc = ARCOS_ENOMEM;
      break;
    }
    g->id_len[v] = hdr[1];
    g->label[v] = (int)hdr[0];
    if (hdr[2] > 0 && (rc = node_props(g, fj, v, pt, hdr[2])) != ARCOS_OK) {
      if (rc == ARCOS_EINVALID)
        rc = bad(L->d, L->path, "node \"%.*s\": its properties are not a JSON object",
                 (int)(hdr[1] > 80 ? 80 : hdr[1]), id);
      break;
    }
    g->out_off[v + 1] = g->out_off[v] + deg[0];
    g->in_off[v + 1] = g->in_off[v] + deg[1];
    v++;
  }
  arcos_fastjson_destroy(&fj);
  g->n = v;
  if (rc == ARCOS_OK && v != mine)
    rc = ARCOS_EINTERNAL;
  return rc;
}

/* Step 1: this rank's block of nodes to their owners; the gids of the block. */
static int load_nodes(ld_t *L) {
  arcos_graph_t *g = L->g;
  int P = g->size, r = g->rank;
  uint64_t N = L->z[Z_NODES];
  uint64_t a = N * (uint64_t)r / (uint64_t)P, b = N * (uint64_t)(r + 1) / (uint64_t)P, n = b - a;
  char *ic = NULL, *pc = NULL;
  uint64_t *io = NULL, *il = NULL, *po = NULL, *pl = NULL;
  uint64_t *lab = malloc((n + 1) * sizeof *lab), *od = malloc((n + 1) * sizeof *od),
           *idg = malloc((n + 1) * sizeof *idg), *gid = malloc((n + 1) * sizeof *gid);
  int *own = malloc((n + 1) * sizeof *own);
  uint64_t *cnt = calloc((size_t)P * 3, sizeof *cnt);
  int rc = lab && od && idg && gid && own && cnt ? ARCOS_OK : ARCOS_ENOMEM;
  if (rc == ARCOS_OK)
    rc = read_strings(L->h, L->path, "/graph/nodes/id", a, n, &ic, &io, &il, L->d);
  if (rc == ARCOS_OK)
    rc = read_strings(L->h, L->path, "/graph/nodes/properties", a, n, &pc, &po, &pl, L->d);
  if (rc == ARCOS_OK && n > 0 &&
      (arcos_h5r_read(L->h, "/graph/nodes/label", ARCOS_H5_U64, a, n, lab) != ARCOS_OK ||
       arcos_h5r_read(L->h, "/graph/nodes/out_degree", ARCOS_H5_U64, a, n, od) != ARCOS_OK ||
       arcos_h5r_read(L->h, "/graph/nodes/in_degree", ARCOS_H5_U64, a, n, idg) != ARCOS_OK))
    rc = bad(L->d, L->path, "%s", arcos_h5r_errmsg(L->h));
  uint64_t degsum[2] = {0, 0};
  for (uint64_t i = 0; rc == ARCOS_OK && i < n; i++) {
    const char *id = ic + (io[i] - io[0]);
    if (il[i] == 0 || il[i] > ID_MAX || memchr(id, '\0', il[i]) != NULL)
      rc = bad(L->d, L->path,
               "node %" PRIu64 ": its id is empty, longer than 256 bytes or holds "
               "a NUL",
               a + i);
    else if (lab[i] >= L->z[Z_LABELS])
      rc = bad(L->d, L->path,
               "node %" PRIu64 ": label index %" PRIu64 " is beyond the %" PRIu64 " labels", a + i,
               lab[i], L->z[Z_LABELS]);
    else if (od[i] > L->z[Z_RELS] || idg[i] > L->z[Z_RELS])
      rc = bad(L->d, L->path,
               "node %" PRIu64 ": degree beyond the %" PRIu64 " declared relationships", a + i,
               L->z[Z_RELS]);
    if (rc != ARCOS_OK)
      break;
    degsum[0] += od[i];
    degsum[1] += idg[i];
    own[i] = arcos_graph_owner_of(g, id, il[i]);
    cnt[own[i]]++;
  }
  rc = agree_d(g->comm, r, P, rc, L->d);
  if (rc != ARCOS_OK)
    goto out;
  /* Declared sizes: the degrees must add up to the relationships. */
  MPI_Allreduce(MPI_IN_PLACE, degsum, 2, MPI_UINT64_T, MPI_SUM, g->comm);
  if (degsum[0] != L->z[Z_RELS] || degsum[1] != L->z[Z_RELS]) {
    rc = bad(L->d, L->path,
             "the out-degrees add up to %" PRIu64 " and the in-degrees to %" PRIu64
             ", the file declares %" PRIu64 " relationships",
             degsum[0], degsum[1], L->z[Z_RELS]);
    goto out; /* every rank saw the same sums */
  }
  uint64_t *tot = cnt + P, *before = cnt + 2 * P;
  MPI_Allreduce(cnt, tot, P, MPI_UINT64_T, MPI_SUM, g->comm);
  MPI_Exscan(cnt, before, P, MPI_UINT64_T, MPI_SUM, g->comm);
  if (r == 0)
    memset(before, 0, (size_t)P * sizeof *before);
  for (int q = 0; q < P; q++)
    g->gid_base[q + 1] = g->gid_base[q] + (tot[q] + 63) / 64 * 64;
  for (uint64_t i = 0; i < n; i++)
    gid[i] = g->gid_base[own[i]] + before[own[i]]++;
  for (uint64_t i = 0; rc == ARCOS_OK && i < n; i++) {
    arcos_buf_t *s = &L->send[own[i]];
    uint64_t deg[2] = {od[i], idg[i]};
    uint32_t hdr[3] = {(uint32_t)lab[i], (uint32_t)il[i], (uint32_t)pl[i]};
    if (pl[i] > UINT32_MAX)
      rc = bad(L->d, L->path, "node %" PRIu64 ": properties longer than 4 GiB", a + i);
    rc = rc ? rc : arcos_buf_append(s, deg, sizeof deg);
    rc = rc ? rc : arcos_buf_append(s, hdr, sizeof hdr);
    rc = rc ? rc : arcos_buf_append(s, ic + (io[i] - io[0]), il[i]);
    rc = rc ? rc : arcos_buf_append(s, pc + (po[i] - po[0]), pl[i]);
  }
  free(ic);
  free(pc);
  ic = pc = NULL;
  rc = agree_d(g->comm, r, P, rc, L->d);
  if (rc == ARCOS_OK)
    rc = graph_exchange(g, L->send, &L->recv);
  if (rc != ARCOS_OK)
    goto out;

  /* Owner side: records arrive sorted by id (the file's order, rank by rank). */
  rc = owner_nodes(L, tot[r]);
  arcos_buf_free(&L->recv);
  rc = agree_d(g->comm, r, P, rc, L->d);
  if (rc != ARCOS_OK)
    goto out;

  /* Step 2: the node index -> gid map on every rank. */
  int *rcount = malloc((size_t)P * 2 * sizeof *rcount);
  L->map = malloc((N + 1) * sizeof *L->map);
  rc = agree_d(g->comm, r, P, rcount && L->map ? ARCOS_OK : ARCOS_ENOMEM, L->d);
  if (rc == ARCOS_OK) {
    for (int q = 0; q < P; q++) {
      uint64_t qa = N * (uint64_t)q / (uint64_t)P, qb = N * (uint64_t)(q + 1) / (uint64_t)P;
      rcount[q] = (int)(qb - qa);
      rcount[P + q] = (int)qa;
    }
    MPI_Allgatherv(gid, (int)n, MPI_UINT64_T, L->map, rcount, rcount + P, MPI_UINT64_T, g->comm);
  }
  free(rcount);
out:
  free(ic);
  free(pc);
  free(io);
  free(il);
  free(po);
  free(pl);
  free(lab);
  free(od);
  free(idg);
  free(gid);
  free(own);
  free(cnt);
  return rc;
}

/* Step 3: relationships in rounds, placed straight into the CSR arrays. */
static int load_edges(ld_t *L) {
  arcos_graph_t *g = L->g;
  int P = g->size, r = g->rank;
  uint64_t N = L->z[Z_NODES], E = L->z[Z_RELS], T = L->z[Z_TYPES];
  uint64_t a = E * (uint64_t)r / (uint64_t)P, b = E * (uint64_t)(r + 1) / (uint64_t)P;
  uint64_t nout = g->out_off[g->n], nin = g->in_off[g->n];
  g->out_nbr = malloc((nout + 1) * sizeof *g->out_nbr);
  g->out_type = malloc((nout + 1) * sizeof *g->out_type);
  g->in_nbr = malloc((nin + 1) * sizeof *g->in_nbr);
  g->in_type = malloc((nin + 1) * sizeof *g->in_type);
  uint64_t *cur = malloc(((size_t)g->n * 2 + 1) * sizeof *cur);
  uint64_t R = EDGE_ROUND;
  uint64_t *src = malloc(R * sizeof *src), *dst = malloc(R * sizeof *dst),
           *typ = malloc(R * sizeof *typ);
  int rc = g->out_nbr && g->out_type && g->in_nbr && g->in_type && cur && src && dst && typ
               ? ARCOS_OK
               : ARCOS_ENOMEM;
  rc = agree_d(g->comm, r, P, rc, L->d);
  if (rc != ARCOS_OK)
    goto out;
  g->nout = nout;
  g->nin = nin;
  for (uint32_t v = 0; v < g->n; v++) {
    cur[v] = g->out_off[v];
    cur[g->n + v] = g->in_off[v];
  }
  uint64_t rounds = (b - a + R - 1) / R;
  MPI_Allreduce(MPI_IN_PLACE, &rounds, 1, MPI_UINT64_T, MPI_MAX, g->comm);
  for (uint64_t k = 0; k < rounds && rc == ARCOS_OK; k++) {
    uint64_t s0 = a + k * R, cnt = s0 < b ? (b - s0 < R ? b - s0 : R) : 0;
    if (cnt > 0 &&
        (arcos_h5r_read(L->h, "/graph/relationships/source", ARCOS_H5_U64, s0, cnt, src) != 0 ||
         arcos_h5r_read(L->h, "/graph/relationships/target", ARCOS_H5_U64, s0, cnt, dst) != 0 ||
         arcos_h5r_read(L->h, "/graph/relationships/type", ARCOS_H5_U64, s0, cnt, typ) != 0))
      rc = bad(L->d, L->path, "%s", arcos_h5r_errmsg(L->h));
    for (uint64_t i = 0; rc == ARCOS_OK && i < cnt; i++) {
      if (src[i] >= N || dst[i] >= N || typ[i] >= T) {
        rc = bad(L->d, L->path,
                 "relationship %" PRIu64 ": source %" PRIu64 ", target %" PRIu64 " or type %" PRIu64
                 " is beyond the %" PRIu64 " nodes or %" PRIu64 " types",
                 s0 + i, src[i], dst[i], typ[i], N, T);
        break;
      }
      uint64_t gs = L->map[src[i]], gd = L->map[dst[i]];
      int os = arcos_graph_gid_owner(g, gs), od = arcos_graph_gid_owner(g, gd);
      uint32_t w[2] = {(uint32_t)(gs - g->gid_base[os]), (uint32_t)typ[i]};
      rc = arcos_buf_append(&L->send[os], w, sizeof w);
      rc = rc ? rc : arcos_buf_append(&L->send[os], &gd, sizeof gd);
      w[0] = (uint32_t)(gd - g->gid_base[od]);
      w[1] = (uint32_t)typ[i] | OUT_FLAG;
      rc = rc ? rc : arcos_buf_append(&L->send[od], w, sizeof w);
      rc = rc ? rc : arcos_buf_append(&L->send[od], &gs, sizeof gs);
    }
    rc = agree_d(g->comm, r, P, rc, L->d);
    if (rc == ARCOS_OK)
      rc = graph_exchange(g, L->send, &L->recv);
    if (rc != ARCOS_OK)
      break;
    for (size_t at = 0; rc == ARCOS_OK && at + 16 <= L->recv.len; at += 16) {
      uint32_t w[2];
      uint64_t nb;
      memcpy(w, L->recv.data + at, sizeof w);
      memcpy(&nb, L->recv.data + at + 8, sizeof nb);
      bool in = (w[1] & OUT_FLAG) != 0;
      uint32_t v = w[0], t = w[1] & ~OUT_FLAG;
      if (v >= g->n) {
        rc = ARCOS_EINTERNAL; /* the loader's own records: cannot happen */
        break;
      }
      uint64_t *c = in ? &cur[g->n + v] : &cur[v];
      uint64_t lim = in ? g->in_off[v + 1] : g->out_off[v + 1];
      if (*c >= lim) {
        rc = bad(L->d, L->path,
                 "node \"%.*s\" has more %s relationships than its declared %s "
                 "(%" PRIu64 ")",
                 (int)(g->id_len[v] > 80 ? 80 : g->id_len[v]), g->ids[v],
                 in ? "incoming" : "outgoing", in ? "in_degree" : "out_degree",
                 lim - (in ? g->in_off[v] : g->out_off[v]));
      } else {
        (in ? g->in_nbr : g->out_nbr)[*c] = nb;
        (in ? g->in_type : g->out_type)[*c] = t;
        (*c)++;
      }
    }
    rc = agree_d(g->comm, r, P, rc, L->d);
  }
  /* Every edge is placed once and the degrees add up to E (checked), so no list can
   * fall short; checked anyway, it is cheap. */
  for (uint32_t v = 0; rc == ARCOS_OK && v < g->n; v++)
    if (cur[v] != g->out_off[v + 1] || cur[g->n + v] != g->in_off[v + 1])
      rc = bad(L->d, L->path, "node \"%.*s\" has fewer relationships than its declared degree",
               (int)(g->id_len[v] > 80 ? 80 : g->id_len[v]), g->ids[v]);
  if (rc == ARCOS_OK)
    rc = graph_sort_adjacency(g->n, g->out_off, g->out_nbr, g->out_type);
  if (rc == ARCOS_OK)
    rc = graph_sort_adjacency(g->n, g->in_off, g->in_nbr, g->in_type);
  rc = agree_d(g->comm, r, P, rc, L->d);
out:
  free(cur);
  free(src);
  free(dst);
  free(typ);
  arcos_buf_free(&L->recv);
  return rc;
}

/* The conversion's error records, read by rank 0 (gathered from there as from a JSON
 * load, so dlq.jsonl is the same). */
static int load_errors(ld_t *L) {
  arcos_graph_t *g = L->g;
  uint64_t K = L->z[Z_ERRORS];
  if (g->rank != 0 || K == 0)
    return ARCOS_OK;
  static const char *const cols[4] = {"/graph/errors/kind", "/graph/errors/input",
                                      "/graph/errors/key", "/graph/errors/error"};
  char *c[4] = {NULL};
  uint64_t *o[4] = {NULL}, *l[4] = {NULL};
  int64_t *line = malloc(K * sizeof *line);
  int rc = line != NULL ? ARCOS_OK : ARCOS_ENOMEM;
  for (int k = 0; k < 4 && rc == ARCOS_OK; k++)
    rc = read_strings(L->h, L->path, cols[k], 0, K, &c[k], &o[k], &l[k], L->d);
  if (rc == ARCOS_OK &&
      arcos_h5r_read(L->h, "/graph/errors/line", ARCOS_H5_I64, 0, K, line) != ARCOS_OK)
    rc = bad(L->d, L->path, "%s", arcos_h5r_errmsg(L->h));
  for (uint64_t i = 0; rc == ARCOS_OK && i < K; i++) {
    char f[4][200];
    for (int k = 0; k < 4; k++) {
      size_t n = l[k][i] < sizeof f[k] - 1 ? (size_t)l[k][i] : sizeof f[k] - 1;
      memcpy(f[k], c[k] + (o[k][i] - o[k][0]), n);
      f[k][n] = '\0';
    }
    rc = graph_add_error_named(g, f[0], f[1], line[i], f[2], strlen(f[2]), f[3]);
  }
  for (int k = 0; k < 4; k++) {
    free(c[k]);
    free(o[k]);
    free(l[k]);
  }
  free(line);
  return rc;
}

static int open_graph(const char *path, arcos_h5r_t **h, arcos_detail_t *d) {
  char err[512] = "";
  int rc = arcos_h5r_open_msg(path, h, err, sizeof err);
  if (rc != ARCOS_OK)
    rc = arcos_detail_set(d, ARCOS_EINVALID, path, 0,
                          "cannot read as an HDF5 graph: %s; --graph takes a graph directory "
                          "(nodes.jsonl + relationships.jsonl, or nodes.json + "
                          "relationships.json) or a file made by arcos-scale convert",
                          err);
  return rc;
}

int arcos_graph_probe_file(const char *path, arcos_detail_t *d) {
  arcos_h5r_t *h = NULL;
  uint64_t z[Z_COUNT];
  int rc = open_graph(path, &h, d);
  if (rc == ARCOS_OK)
    rc = probe(h, path, z, d);
  arcos_h5r_close(&h);
  return rc;
}

int graph_h5_load(arcos_graph_t *g, const char *path, arcos_detail_t *d) {
  ld_t L;
  memset(&L, 0, sizeof L);
  L.g = g;
  L.path = path;
  L.d = d;
  L.send = calloc((size_t)g->size, sizeof *L.send);
  int rc = L.send != NULL ? open_graph(path, &L.h, d) : ARCOS_ENOMEM;
  if (rc == ARCOS_OK)
    rc = probe(L.h, path, L.z, d);
  rc = agree_d(g->comm, g->rank, g->size, rc, d);
  if (rc == ARCOS_OK) {
    snprintf(g->input_names[0], sizeof g->input_names[0], "nodes");
    snprintf(g->input_names[1], sizeof g->input_names[1], "relationships");
    rc = read_names(g, L.h, path, "/graph/labels/name", L.z[Z_LABELS], &g->labels, &g->nlabels, d);
    if (rc == ARCOS_OK)
      rc = read_names(g, L.h, path, "/graph/types/name", L.z[Z_TYPES], &g->types, &g->ntypes, d);
    rc = agree_d(g->comm, g->rank, g->size, rc, d);
  }
  if (rc == ARCOS_OK)
    rc = load_nodes(&L);
  if (rc == ARCOS_OK) {
    graph_build_id_hash(g);
    rc = load_edges(&L);
  }
  if (rc == ARCOS_OK)
    rc = agree_d(g->comm, g->rank, g->size, load_errors(&L), d);
  if (rc == ARCOS_OK)
    rc = graph_build_indexes(g, NULL);
  free(L.map);
  for (int q = 0; L.send != NULL && q < g->size; q++)
    arcos_buf_free(&L.send[q]);
  free(L.send);
  arcos_buf_free(&L.recv);
  arcos_h5r_close(&L.h);
  return rc;
}
// NOLINTEND(clang-analyzer-core.NullDereference,clang-analyzer-core.UndefinedBinaryOperatorResult,clang-analyzer-core.NonNullParamChecker,clang-analyzer-core.uninitialized.Assign,clang-analyzer-core.uninitialized.ArraySubscript,clang-analyzer-core.CallAndMessage)
