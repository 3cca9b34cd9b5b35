/* Distributed evidence graph: read shares, route to owners, CSR, indexes, statistics.
 * See include/arcos/graph.h for the model and docs/graph.md for the formats.
 *
 * Loading is a fixed sequence of collective phases, so that every rank takes part in
 * every exchange whatever its input held (no rank can wait for a message that never
 * comes):
 *   read nodes -> owner(id): dedupe, sort, number        (exchange 1)
 *   read relationships -> owner(rel id): dedupe         (exchange 2)
 *   -> owner(target): resolve target gid                 (exchange 3)
 *   -> owner(source): resolve source, store out-edge     (exchange 4)
 *   -> owner(target): store in-edge                      (exchange 5)
 * Local failures (out of memory, unreadable file) are combined with an allreduce at
 * phase boundaries so all ranks stop together. */
#include "arcos/graph.h"
#include "arcos/input.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arcos/evidence.h"
#include "arcos/ring.h"
#include "arcos/util.h"
#include "core/pyjson.h"
#include "evidence/fastjson.h"
#include "graph/graph_internal.h"

#define ID_MAX 256
#define CHUNK (4u << 20)

enum { IN_NODES = 0, IN_RELS = 1 };

/* ---- small helpers ---- */

static int agree(MPI_Comm comm, int rc) {
  int all = rc;
  MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MIN, comm);
  return all;
}

static int put_u64(arcos_buf_t *b, uint64_t v) { return arcos_buf_append(b, &v, sizeof v); }

static int put_str(arcos_buf_t *b, const char *s, size_t n) {
  uint32_t len = (uint32_t)n;
  if (arcos_buf_append(b, &len, sizeof len) != ARCOS_OK)
    return ARCOS_ENOMEM;
  return arcos_buf_append(b, s, n);
}

typedef struct {
  const char *p, *end;
} rd_t;

static uint64_t get_u64(rd_t *r) {
  uint64_t v = 0;
  if (r->end - r->p >= (ptrdiff_t)sizeof v) {
    memcpy(&v, r->p, sizeof v);
    r->p += sizeof v;
  } else {
    r->p = r->end;
  }
  return v;
}

static void get_str(rd_t *r, const char **s, size_t *n) {
  uint32_t len = 0;
  *s = "";
  *n = 0;
  if (r->end - r->p < (ptrdiff_t)sizeof len) {
    r->p = r->end;
    return;
  }
  memcpy(&len, r->p, sizeof len);
  r->p += sizeof len;
  if ((size_t)(r->end - r->p) < len) {
    r->p = r->end;
    return;
  }
  *s = r->p;
  *n = len;
  r->p += len;
}

int graph_add_error_named(arcos_graph_t *g, const char *kind, const char *input, int64_t line,
                          const char *key, size_t keylen, const char *text) {
  if (g->nerrs == g->caperrs) {
    size_t cap = g->caperrs ? 2 * g->caperrs : 16;
    arcos_graph_error_t *e = realloc(g->errs, cap * sizeof *e);
    if (e == NULL)
      return ARCOS_ENOMEM;
    g->errs = e;
    g->caperrs = cap;
  }
  arcos_graph_error_t *e = &g->errs[g->nerrs++];
  memset(e, 0, sizeof *e);
  snprintf(e->kind, sizeof e->kind, "%s", kind);
  snprintf(e->input, sizeof e->input, "%s", input);
  e->line = line;
  if (keylen >= sizeof e->key)
    keylen = sizeof e->key - 1;
  memcpy(e->key, key, keylen);
  snprintf(e->text, sizeof e->text, "%s", text);
  return ARCOS_OK;
}

static int add_error(arcos_graph_t *g, const char *kind, int input, int64_t line, const char *key,
                     size_t keylen, const char *text) {
  return graph_add_error_named(g, kind, g->input_names[input], line, key, keylen, text);
}

/* Personalised all-to-all of byte buffers: send[q] goes to rank q; recv gets every
 * rank's bytes for us, in rank order. Collective; returns an agreed code. */
int graph_exchange(arcos_graph_t *g, arcos_buf_t *send, arcos_buf_t *recv) {
  int P = g->size;
  int *sc = calloc((size_t)P * 4, sizeof(int));
  int rc = sc == NULL ? ARCOS_ENOMEM : ARCOS_OK;
  uint64_t total = 0;
  for (int q = 0; rc == ARCOS_OK && q < P; q++) {
    total += send[q].len;
    if (total > INT_MAX)
      rc = ARCOS_ERANGE;
  }
  rc = agree(g->comm, rc);
  if (rc != ARCOS_OK) {
    free(sc);
    return rc;
  }
  int *sd = sc + P, *rcnt = sc + 2 * P, *rd = sc + 3 * P;
  for (int q = 0; q < P; q++) {
    sc[q] = (int)send[q].len;
    sd[q] = q == 0 ? 0 : sd[q - 1] + sc[q - 1];
  }
  MPI_Alltoall(sc, 1, MPI_INT, rcnt, 1, MPI_INT, g->comm);
  uint64_t rtotal = 0;
  for (int q = 0; q < P; q++) {
    rd[q] = (int)rtotal;
    rtotal += (uint64_t)rcnt[q];
  }
  /* Peak memory is what matters here (a scale-20 graph packs about 0.9 GB of records):
   * at one rank the send buffer simply becomes the received one; otherwise each send
   * buffer is released as soon as it is copied into the contiguous one MPI needs, and
   * the receive buffer is allocated after that, so two copies live at once, not three. */
  arcos_buf_t flat = {0};
  if (rtotal > INT_MAX)
    rc = ARCOS_ERANGE;
  else if (P > 1 && arcos_buf_reserve(&flat, total + 1) != ARCOS_OK)
    rc = ARCOS_ENOMEM;
  rc = agree(g->comm, rc);
  if (rc == ARCOS_OK && P == 1) {
    arcos_buf_free(recv);
    *recv = send[0];
    send[0] = (arcos_buf_t){0};
  } else if (rc == ARCOS_OK) {
    for (int q = 0; q < P; q++) {
      arcos_buf_append(&flat, send[q].data, send[q].len);
      arcos_buf_free(&send[q]);
    }
    arcos_buf_free(recv);
    rc = agree(g->comm, arcos_buf_reserve(recv, rtotal + 1) == ARCOS_OK ? ARCOS_OK : ARCOS_ENOMEM);
    if (rc == ARCOS_OK) {
      MPI_Alltoallv(flat.data, sc, sd, MPI_BYTE, recv->data, rcnt, rd, MPI_BYTE, g->comm);
      recv->len = rtotal;
    }
  }
  arcos_buf_free(&flat);
  for (int q = 0; q < P; q++)
    arcos_buf_reset(&send[q]);
  free(sc);
  return rc;
}

static int owner_rank(const arcos_graph_t *g, const char *id, size_t len) {
  if (g->size == 1)
    return 0;
  return arcos_ring_host_rank(arcos_ring_owner_key(g->ring, id, len), g->size);
}

/* The id -> vertex hash table, at most half full. Without memory for it lookups
 * bisect the sorted ids instead (same answers). */
void graph_build_id_hash(arcos_graph_t *g) {
  uint64_t cap = 16;
  while (cap < 2 * (uint64_t)g->n)
    cap *= 2;
  g->htab = calloc(cap, sizeof *g->htab);
  if (g->htab == NULL)
    return;
  g->hmask = cap - 1;
  for (uint32_t v = 0; v < g->n; v++) {
    uint64_t h = arcos_hash64(g->ids[v], g->id_len[v]) & g->hmask;
    while (g->htab[h] != 0)
      h = (h + 1) & g->hmask;
    g->htab[h] = v + 1;
  }
}

/* ---- reading shares of the input ---- */

/* The fields of one node or relationship, from jansson or from the fast path. */
enum { F_ID, F_LABEL, F_TYPE, F_SOURCE, F_TARGET, F_COUNT };
static const char *const field_names[F_COUNT] = {"id", "label", "type", "source_id", "target_id"};

/* st: 1 a string of 1..256 bytes; 0 absent; -1 wrong type or length; -2 a string
 * holding "\u0000" or a lone surrogate, which ids, labels and types may not (they are
 * written through jansson in queries.jsonl and kept as C strings). */
enum { ST_PLAIN = 1, ST_ABSENT = 0, ST_WRONG = -1, ST_UNWRITABLE = -2 };

typedef struct {
  bool is_object;
  int st[F_COUNT];
  const char *s[F_COUNT];
  size_t n[F_COUNT];
  int props; /* 0 absent, null or {}; 1 a non-empty object; -1 not an object */
  /* with props == 1 for nodes: the canonical text (Python's json.dumps(properties,
   * sort_keys=True)), borrowed from the parser until its next element */
  const char *props_text;
  size_t props_len;
} elem_t;

/* The element parser of one input: the Python-exact reader (evidence/fastjson.h),
 * and jansson for what it declines (to name the error, or a text it does not take). */
typedef struct {
  arcos_fastjson_t *fj;
  arcos_buf_t props; /* canonical properties of the jansson path */
  json_t *held;      /* the jansson tree the current element's strings point into */
} parser_t;

static const char *const elem_names[] = {"id",        "label",     "type",
                                         "source_id", "target_id", "properties"};
#define F_PROPS F_COUNT

static int parser_init(parser_t *ps) {
  memset(ps, 0, sizeof *ps);
  ps->fj = arcos_fastjson_create();
  return ps->fj != NULL ? ARCOS_OK : ARCOS_ENOMEM;
}

static void parser_free(parser_t *ps) {
  arcos_fastjson_destroy(&ps->fj);
  arcos_buf_free(&ps->props);
  json_decref(ps->held);
  ps->held = NULL;
}

/* Whether an id, label or type string can be kept: no NUL byte, no lone surrogate. */
static bool plain_string(const char *s, size_t n) {
  return memchr(s, '\0', n) == NULL && arcos_py_valid(s, n, ARCOS_PY_UTF8);
}

static int string_state(const char *s, size_t n) {
  if (n == 0 || n > ID_MAX)
    return ST_WRONG;
  return plain_string(s, n) ? ST_PLAIN : ST_UNWRITABLE;
}

typedef int (*elem_fn)(arcos_graph_t *g, void *arg, elem_t *e, const char *key, size_t keylen,
                       uint64_t rel_line);

static int elem_from_json(json_t *v, bool want_props_text, elem_t *e, arcos_buf_t *scratch) {
  memset(e, 0, sizeof *e);
  e->is_object = json_is_object(v);
  if (!e->is_object)
    return ARCOS_OK;
  for (int k = 0; k < F_COUNT; k++) {
    json_t *f = json_object_get(v, field_names[k]);
    if (f == NULL)
      continue;
    if (!json_is_string(f)) {
      e->st[k] = -1;
      continue;
    }
    e->s[k] = json_string_value(f);
    e->n[k] = json_string_length(f);
    e->st[k] = string_state(e->s[k], e->n[k]);
  }
  json_t *p = json_object_get(v, "properties");
  if (p == NULL || json_is_null(p) || (json_is_object(p) && json_object_size(p) == 0))
    e->props = 0;
  else if (!json_is_object(p))
    e->props = -1;
  else
    e->props = 1;
  if (e->props == 1 && want_props_text) {
    arcos_buf_reset(scratch);
    if (arcos_canonical_append(scratch, p) != ARCOS_OK)
      return ARCOS_ENOMEM;
    e->props_text = scratch->data;
    e->props_len = scratch->len;
  }
  return ARCOS_OK;
}

/* The members the Python-exact reader found, as elem_t. */
static void elem_from_members(const arcos_fj_member_t *m, const char *canon, size_t canon_len,
                              elem_t *e) {
  memset(e, 0, sizeof *e);
  e->is_object = true;
  for (int k = 0; k < F_COUNT; k++) {
    if (m[k].kind == ARCOS_FJ_ABSENT)
      continue;
    if (m[k].kind != ARCOS_FJ_STRING) {
      e->st[k] = ST_WRONG;
      continue;
    }
    e->s[k] = m[k].s;
    e->n[k] = m[k].len;
    e->st[k] = string_state(m[k].s, m[k].len);
  }
  uint8_t pk = m[F_PROPS].kind;
  if (pk == ARCOS_FJ_ABSENT || pk == ARCOS_FJ_NULL)
    e->props = 0;
  else if (pk != ARCOS_FJ_OBJECT)
    e->props = -1;
  else
    e->props = canon_len == 2 && memcmp(canon, "{}", 2) == 0 ? 0 : 1;
  if (e->props == 1 && canon_len > 0) {
    e->props_text = canon;
    e->props_len = canon_len;
  }
}

/* One element's text s[0..n) into e, read as Python reads it (SPEC §7: graphs written
 * by Python's json). ARCOS_EPARSE with err set when it is not JSON; jflags: jansson's
 * decoding flags for the texts the reader declines (as before: a JSON Lines line must
 * be an object or array to be JSON at all, an object member may be any value). */
static int elem_parse(parser_t *ps, const char *s, size_t n, bool want_props, size_t jflags,
                      elem_t *e, char *err, size_t errn) {
  arcos_fj_member_t m[F_COUNT + 1];
  const char *canon;
  size_t canon_len;
  json_decref(ps->held);
  ps->held = NULL;
  int rc = arcos_fastjson_parse_object(ps->fj, s, n, elem_names, F_COUNT + 1,
                                       want_props ? F_PROPS : F_COUNT + 1, m, &canon, &canon_len);
  if (rc == ARCOS_OK) {
    elem_from_members(m, canon, canon_len, e);
    return ARCOS_OK;
  }
  if (rc != ARCOS_EPARSE)
    return rc;
  /* Declined: not JSON (jansson names the error), a top level that is no object, or
   * a text the reader does not take (nesting deeper than it goes). */
  json_error_t je;
  ps->held = json_loadb(s, n, jflags, &je);
  if (ps->held == NULL) {
    snprintf(err, errn, "not valid JSON: %s", je.text);
    return ARCOS_EPARSE;
  }
  return elem_from_json(ps->held, want_props, e, &ps->props);
}

/* Fast path for the common flat line: an object whose values are printable-ASCII
 * strings without escapes, with "properties" {} or null. Returns false for anything
 * else (numbers, escapes, nested objects, a repeated key, non-ASCII, trailing text),
 * and the caller parses the line with jansson, so both paths give the same fields. */
static bool elem_fast(const char *s, size_t n, elem_t *e) {
  memset(e, 0, sizeof *e);
  size_t i = 0;
#define WS()                                                                                       \
  while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))                                   \
  i++
  WS();
  if (i >= n || s[i] != '{')
    return false;
  i++;
  WS();
  bool seen_props = false;
  if (i < n && s[i] == '}') {
    i++;
  } else {
    for (;;) {
      if (i >= n || s[i] != '"')
        return false;
      size_t k0 = ++i;
      while (i < n && s[i] != '"') {
        if (s[i] == '\\' || (unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
          return false;
        i++;
      }
      if (i >= n)
        return false;
      size_t kn = i - k0;
      const char *key = s + k0;
      i++;
      WS();
      if (i >= n || s[i] != ':')
        return false;
      i++;
      WS();
      int which = -1;
      for (int k = 0; k < F_COUNT && which < 0; k++)
        if (strlen(field_names[k]) == kn && memcmp(field_names[k], key, kn) == 0)
          which = k;
      bool is_props = kn == 10 && memcmp(key, "properties", 10) == 0;
      if ((which >= 0 && e->st[which] != 0) || (is_props && seen_props))
        return false; /* a repeated key: jansson decides which wins */
      if (i < n && s[i] == '"') {
        size_t v0 = ++i;
        while (i < n && s[i] != '"') {
          if (s[i] == '\\' || (unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return false;
          i++;
        }
        if (i >= n)
          return false;
        if (which >= 0) {
          e->s[which] = s + v0;
          e->n[which] = i - v0;
          e->st[which] = (e->n[which] == 0 || e->n[which] > ID_MAX) ? -1 : 1;
        }
        if (is_props)
          e->props = -1;
        i++;
      } else if (i < n && s[i] == '{') {
        i++;
        WS();
        if (i >= n || s[i] != '}')
          return false;
        i++;
        if (which >= 0)
          e->st[which] = -1;
      } else if (n - i >= 4 && memcmp(s + i, "null", 4) == 0) {
        i += 4;
        if (which >= 0)
          e->st[which] = -1;
      } else {
        return false;
      }
      seen_props = seen_props || is_props;
      WS();
      if (i < n && s[i] == ',') {
        i++;
        WS();
        continue;
      }
      if (i < n && s[i] == '}') {
        i++;
        break;
      }
      return false;
    }
  }
  WS();
#undef WS
  if (i != n)
    return false;
  e->is_object = true;
  return true;
}

/* Lines whose first byte lies in this rank's byte range [start, end) of a JSON Lines
 * file. Line numbers passed on are relative to the range start (newlines seen before
 * the line); *newlines receives the newlines in [start, end) so the caller can make
 * them absolute with an exclusive prefix sum. Bad lines become error records. */
static int read_jsonl_share(arcos_graph_t *g, parser_t *ps, const char *path, int input, elem_fn fn,
                            void *arg, uint64_t *newlines, arcos_detail_t *d) {
  *newlines = 0;
  int fd = open(path, O_RDONLY);
  if (fd < 0)
    return arcos_detail_set(d, ARCOS_EIO, path, 0, "cannot open: %s", strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return arcos_detail_set(d, ARCOS_EIO, path, 0, "cannot stat: %s", strerror(errno));
  }
  uint64_t size = (uint64_t)st.st_size;
  uint64_t start = size * (uint64_t)g->rank / (uint64_t)g->size;
  uint64_t end = size * (uint64_t)(g->rank + 1) / (uint64_t)g->size;
  int rc = ARCOS_OK;
  bool skipping = false;
  if (start > 0 && start < end) {
    char prev = 0;
    if (pread(fd, &prev, 1, (off_t)(start - 1)) == 1 && prev != '\n')
      skipping = true;
  }
  arcos_buf_t buf = {0};
  uint64_t buf_off = start, nl_seen = 0;
  size_t scan = 0;
  bool eof = start >= end;
  while (rc == ARCOS_OK) {
    for (;;) {
      char *nl = buf.len > scan ? memchr(buf.data + scan, '\n', buf.len - scan) : NULL;
      size_t lend;
      if (nl != NULL)
        lend = (size_t)(nl - buf.data);
      else if (eof && buf.len > scan)
        lend = buf.len; /* last line without a newline */
      else
        break;
      uint64_t line_start = buf_off + scan;
      if (line_start >= end && !skipping) {
        eof = true;
        buf.len = scan;
        break;
      }
      if (skipping) {
        skipping = false;
      } else {
        size_t n = lend - scan;
        const char *s = buf.data + scan;
        bool blank = true;
        for (size_t i = 0; i < n && blank; i++)
          blank = s[i] == ' ' || s[i] == '\t' || s[i] == '\r';
        elem_t e;
        if (!blank && elem_fast(s, n, &e)) {
          rc = fn(g, arg, &e, NULL, 0, nl_seen);
        } else if (!blank) {
          char text[192];
          rc = elem_parse(ps, s, n, input == IN_NODES, 0, &e, text, sizeof text);
          if (rc == ARCOS_EPARSE)
            rc = add_error(g, "parse", input, (int64_t)nl_seen, "", 0, text);
          else if (rc == ARCOS_OK)
            rc = fn(g, arg, &e, NULL, 0, nl_seen);
        }
      }
      if (nl != NULL && buf_off + lend < end)
        (*newlines)++;
      nl_seen++;
      scan = lend + 1;
      if (nl == NULL || rc != ARCOS_OK)
        break;
    }
    if (eof || rc != ARCOS_OK)
      break;
    if (scan > 0) {
      memmove(buf.data, buf.data + scan, buf.len - scan);
      buf.len -= scan;
      buf_off += scan;
      scan = 0;
    }
    if (arcos_buf_reserve(&buf, CHUNK) != ARCOS_OK) {
      rc = ARCOS_ENOMEM;
      break;
    }
    ssize_t got;
    do {
      got = pread(fd, buf.data + buf.len, CHUNK, (off_t)(buf_off + buf.len));
    } while (got < 0 && errno == EINTR);
    if (got < 0) {
      rc = arcos_detail_set(d, ARCOS_EIO, path, 0, "read failed: %s", strerror(errno));
      break;
    }
    buf.len += (size_t)got;
    if (got == 0)
      eof = true;
  }
  arcos_buf_free(&buf);
  close(fd);
  return rc;
}

/* The document scanner of the evidence reader (input.h). */
static size_t skip_ws(const char *s, size_t i, size_t n) { return arcos_json_skip_ws(s, i, n); }

static size_t value_end(const char *s, size_t i, size_t n) {
  bool cut;
  return arcos_json_value_end(s, i, n, &cut);
}

/* Rank 0 walks the members of a top-level JSON object ("id": {...}) itself, so a
 * duplicate key or one bad member is an error record, not a lost file; member k
 * (1-based) is handed on with rel_line k. A file that is no object at all is one
 * parse error record. */
static int read_json_object(arcos_graph_t *g, parser_t *ps, const char *path, int input, elem_fn fn,
                            void *arg, arcos_detail_t *d) {
  arcos_buf_t buf = {0};
  int rc = arcos_read_file(path, &buf);
  if (rc != ARCOS_OK) {
    arcos_buf_free(&buf);
    return arcos_detail_set(d, rc, path, 0, "cannot read: %s", strerror(errno));
  }
  const char *s = buf.data;
  size_t n = buf.len, i = skip_ws(s, 0, n);
  uint64_t member = 0;
  if (i >= n || s[i] != '{') {
    rc = add_error(g, "parse", input, 1, "", 0, "expected a JSON object keyed by id");
    goto done;
  }
  i = skip_ws(s, i + 1, n);
  if (i < n && s[i] == '}')
    goto done;
  while (rc == ARCOS_OK && i < n) {
    member++;
    size_t kend = value_end(s, i, n), klen = 0;
    char *key = s[i] == '"' ? malloc(kend - i + 1) : NULL;
    bool key_ok = key != NULL && arcos_fastjson_decode_string(s + i, kend - i, key, &klen);
    i = skip_ws(s, kend, n);
    if (!key_ok || i >= n || s[i] != ':') {
      free(key);
      rc = add_error(g, "parse", input, (int64_t)member, "", 0,
                     "expected \"id\": value in the top-level object");
      break; /* the rest of the file cannot be framed */
    }
    i = skip_ws(s, i + 1, n);
    size_t vend = value_end(s, i, n);
    elem_t e;
    char text[192];
    rc = elem_parse(ps, s + i, vend - i, input == IN_NODES, JSON_DECODE_ANY, &e, text, sizeof text);
    if (rc == ARCOS_EPARSE)
      rc = add_error(g, "parse", input, (int64_t)member, key, klen, text);
    else if (rc == ARCOS_OK)
      rc = fn(g, arg, &e, key, klen, member);
    free(key);
    i = skip_ws(s, vend, n);
    if (i < n && s[i] == ',') {
      i = skip_ws(s, i + 1, n);
      continue;
    }
    if (i >= n || s[i] != '}')
      rc = rc != ARCOS_OK ? rc
                          : add_error(g, "parse", input, (int64_t)member + 1, "", 0,
                                      "expected ',' or '}' after a member");
    break;
  }
done:
  arcos_buf_free(&buf);
  return rc;
}

/* ---- element validation ---- */

typedef struct {
  int input;
  arcos_buf_t *send; /* per destination rank */
  uint64_t records;
} collect_t;

/* Check `id` (or the key of a keyed object). Returns 1 with *id set, or 0 after
 * recording an error. */
static int element_id(arcos_graph_t *g, collect_t *c, const elem_t *e, const char *key,
                      size_t keylen, int64_t line, const char **id, size_t *idn, int *rc) {
  int has = e->st[F_ID];
  *id = e->s[F_ID];
  *idn = e->n[F_ID];
  if (has < 0) {
    *rc = add_error(g, "invalid", c->input, line, key ? key : "", keylen,
                    has == ST_UNWRITABLE
                        ? "\"id\" must not hold \\u0000 or a lone surrogate"
                        : "\"id\" must be a non-empty string of at most 256 bytes");
    return 0;
  }
  if (key != NULL) {
    if (has == 1 && (*idn != keylen || memcmp(*id, key, keylen) != 0)) {
      *rc = add_error(g, "invalid", c->input, line, key, keylen, "\"id\" differs from its key");
      return 0;
    }
    if (string_state(key, keylen) != ST_PLAIN) {
      *rc = add_error(g, "invalid", c->input, line, key, keylen,
                      "key must be a non-empty id of at most 256 bytes, without \\u0000 or a "
                      "lone surrogate");
      return 0;
    }
    *id = key;
    *idn = keylen;
    return 1;
  }
  if (has == 0) {
    *rc = add_error(g, "invalid", c->input, line, "", 0, "missing field \"id\"");
    return 0;
  }
  return 1;
}

static int collect_node(arcos_graph_t *g, void *arg, elem_t *e, const char *key, size_t keylen,
                        uint64_t rel_line) {
  collect_t *c = arg;
  int rc = ARCOS_OK;
  int64_t line = (int64_t)rel_line;
  if (!e->is_object)
    return add_error(g, "invalid", c->input, line, key ? key : "", keylen,
                     "a node must be a JSON object");
  const char *id;
  size_t idn;
  if (!element_id(g, c, e, key, keylen, line, &id, &idn, &rc))
    return rc;
  if (e->st[F_LABEL] <= 0)
    return add_error(g, "invalid", c->input, line, id, idn,
                     e->st[F_LABEL] == ST_ABSENT ? "missing field \"label\""
                     : e->st[F_LABEL] == ST_UNWRITABLE
                         ? "\"label\" must not hold \\u0000 or a lone surrogate"
                         : "\"label\" must be a non-empty string of at most 256 bytes");
  if (e->props < 0)
    return add_error(g, "invalid", c->input, line, id, idn, "\"properties\" must be an object");
  bool has_props = e->props == 1 && e->props_text != NULL;
  arcos_buf_t *b = &c->send[owner_rank(g, id, idn)];
  rc = put_u64(b, (uint64_t)line);
  rc = rc ? rc : put_str(b, id, idn);
  rc = rc ? rc : put_str(b, e->s[F_LABEL], e->n[F_LABEL]);
  rc = rc ? rc : put_str(b, has_props ? e->props_text : "", has_props ? e->props_len : 0);
  c->records++;
  return rc;
}

static int collect_rel(arcos_graph_t *g, void *arg, elem_t *e, const char *key, size_t keylen,
                       uint64_t rel_line) {
  collect_t *c = arg;
  int rc = ARCOS_OK;
  int64_t line = (int64_t)rel_line;
  if (!e->is_object)
    return add_error(g, "invalid", c->input, line, key ? key : "", keylen,
                     "a relationship must be a JSON object");
  const char *id;
  size_t idn;
  if (!element_id(g, c, e, key, keylen, line, &id, &idn, &rc))
    return rc;
  for (int k = F_TYPE; k <= F_TARGET; k++) {
    if (e->st[k] <= 0) {
      char text[128];
      snprintf(text, sizeof text,
               e->st[k] == ST_ABSENT ? "missing field \"%s\""
               : e->st[k] == ST_UNWRITABLE
                   ? "\"%s\" must not hold \\u0000 or a lone surrogate"
                   : "\"%s\" must be a non-empty string of at most 256 bytes",
               field_names[k]);
      return add_error(g, "invalid", c->input, line, id, idn, text);
    }
  }
  if (e->props < 0)
    return add_error(g, "invalid", c->input, line, id, idn, "\"properties\" must be an object");
  arcos_buf_t *b = &c->send[owner_rank(g, id, idn)];
  rc = put_u64(b, (uint64_t)line);
  rc = rc ? rc : put_str(b, id, idn);
  for (int k = F_TYPE; k <= F_TARGET && rc == ARCOS_OK; k++)
    rc = put_str(b, e->s[k], e->n[k]);
  c->records++;
  return rc;
}

/* Read this rank's share of one input, with absolute line numbers afterwards: the
 * line fields in the send buffers and in the new error records are still relative
 * and are fixed here by the prefix sum of newlines. */
static int read_input(arcos_graph_t *g, const char *path, int input, bool jsonl, elem_fn fn,
                      collect_t *c, arcos_detail_t *d) {
  size_t err0 = g->nerrs;
  uint64_t newlines = 0, base = 0;
  parser_t ps;
  int rc = parser_init(&ps);
  if (rc == ARCOS_OK && jsonl)
    rc = read_jsonl_share(g, &ps, path, input, fn, c, &newlines, d);
  else if (rc == ARCOS_OK && g->rank == 0)
    rc = read_json_object(g, &ps, path, input, fn, c, d);
  parser_free(&ps);
  rc = agree(g->comm, rc);
  if (!jsonl || rc != ARCOS_OK)
    return rc;
  MPI_Exscan(&newlines, &base, 1, MPI_UINT64_T, MPI_SUM, g->comm);
  if (g->rank == 0)
    base = 0;
  base += 1;
  for (size_t i = err0; i < g->nerrs; i++)
    g->errs[i].line += (int64_t)base;
  /* Each record starts with its line: walk the fields to patch them in place. */
  for (int q = 0; q < g->size; q++) {
    char *p = c->send[q].data, *end = p + c->send[q].len;
    int nstr = input == IN_NODES ? 3 : 4;
    while (p < end) {
      uint64_t line;
      memcpy(&line, p, sizeof line);
      line += base;
      memcpy(p, &line, sizeof line);
      p += sizeof line;
      for (int k = 0; k < nstr; k++) {
        uint32_t len;
        memcpy(&len, p, sizeof len);
        p += sizeof len + len;
      }
    }
  }
  return ARCOS_OK;
}

/* ---- ownership: dedupe and number ---- */

typedef struct {
  const char *id;
  size_t idn;
  uint64_t line;
  const char *rest; /* the remaining fields, still packed */
  const char *end;
} rec_t;

static int cmp_rec(const void *a, const void *b) {
  const rec_t *x = a, *y = b;
  size_t n = x->idn < y->idn ? x->idn : y->idn;
  int c = memcmp(x->id, y->id, n);
  if (c != 0)
    return c;
  if (x->idn != y->idn)
    return x->idn < y->idn ? -1 : 1;
  return x->line < y->line ? -1 : x->line > y->line;
}

/* Split received records (line, id, then nstr-1 more strings) into rec_t. */
static int split_recs(const arcos_buf_t *recv, int nstr, size_t trailer, rec_t **out,
                      size_t *count) {
  size_t cap = 0, n = 0;
  rec_t *v = NULL;
  rd_t r = {recv->data, recv->data + recv->len};
  while (r.p < r.end) {
    if (n == cap) {
      cap = cap ? 2 * cap : 1024;
      rec_t *nv = realloc(v, cap * sizeof *v);
      if (nv == NULL) {
        free(v);
        return ARCOS_ENOMEM;
      }
      v = nv;
    }
    rec_t *e = &v[n++];
    e->line = get_u64(&r);
    get_str(&r, &e->id, &e->idn);
    e->rest = r.p;
    for (int k = 1; k < nstr; k++) {
      const char *s;
      size_t sl;
      get_str(&r, &s, &sl);
    }
    e->end = r.p;
    r.p = (size_t)(r.end - r.p) < trailer ? r.end : r.p + trailer;
  }
  *out = v;
  *count = n;
  return ARCOS_OK;
}

static int cmp_cstr(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort names byte-wise and drop repeats in place; returns how many remain. */
static size_t sort_unique(char **v, size_t n) {
  if (n > 1)
    qsort(v, n, sizeof *v, cmp_cstr);
  size_t u = 0;
  for (size_t i = 0; i < n; i++)
    if (u == 0 || strcmp(v[u - 1], v[i]) != 0)
      v[u++] = v[i];
  return u;
}

/* Agree on a global sorted table of names from each rank's local names. */
static int global_table(arcos_graph_t *g, char **local, size_t nlocal, char ***out, int *count) {
  arcos_buf_t b = {0};
  int rc = ARCOS_OK;
  for (size_t i = 0; i < nlocal && rc == ARCOS_OK; i++)
    rc = arcos_buf_append(&b, local[i], strlen(local[i]) + 1);
  rc = agree(g->comm, rc);
  int len = (int)b.len, P = g->size;
  int *cnt = calloc((size_t)P * 2, sizeof(int));
  if (cnt == NULL)
    rc = ARCOS_ENOMEM;
  rc = agree(g->comm, rc);
  if (rc != ARCOS_OK) {
    free(cnt);
    arcos_buf_free(&b);
    return rc;
  }
  int *dsp = cnt + P;
  MPI_Allgather(&len, 1, MPI_INT, cnt, 1, MPI_INT, g->comm);
  size_t total = 0;
  for (int q = 0; q < P; q++) {
    dsp[q] = (int)total;
    total += (size_t)cnt[q];
  }
  char *all = malloc(total + 1);
  rc = agree(g->comm, all == NULL ? ARCOS_ENOMEM : ARCOS_OK);
  if (rc == ARCOS_OK)
    MPI_Allgatherv(b.data, len, MPI_BYTE, all, cnt, dsp, MPI_BYTE, g->comm);
  size_t nn = 0;
  for (size_t i = 0; rc == ARCOS_OK && i < total; i++)
    nn += all[i] == '\0';
  char **names = rc == ARCOS_OK ? calloc(nn + 1, sizeof *names) : NULL;
  if (rc == ARCOS_OK && names == NULL)
    rc = ARCOS_ENOMEM;
  size_t k = 0;
  for (size_t i = 0; rc == ARCOS_OK && i < total; i += strlen(all + i) + 1)
    names[k++] = arcos_arena_strndup(g->arena, all + i, strlen(all + i));
  if (rc == ARCOS_OK) {
    if (k > 1)
      qsort(names, k, sizeof *names, cmp_cstr);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
      if (u == 0 || strcmp(names[u - 1], names[i]) != 0)
        names[u++] = names[i];
    *out = names;
    *count = (int)u;
  } else {
    free(names);
  }
  free(all);
  free(cnt);
  arcos_buf_free(&b);
  return agree(g->comm, rc);
}

static int table_find(char **names, int n, const char *s) {
  int lo = 0, hi = n - 1;
  while (lo <= hi) {
    int mid = lo + (hi - lo) / 2;
    int c = strcmp(names[mid], s);
    if (c == 0)
      return mid;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid - 1;
  }
  return -1;
}

/* Owner side of the nodes: sort by (id, line), keep the first of each id. */
static int build_vertices(arcos_graph_t *g, const arcos_buf_t *recv, char ***vlabel) {
  rec_t *r = NULL;
  size_t nr = 0;
  int rc = split_recs(recv, 3, 0, &r, &nr);
  if (rc == ARCOS_OK) {
    if (nr > 1)
      qsort(r, nr, sizeof *r, cmp_rec);
    g->ids = calloc(nr + 1,
                    sizeof *g->ids); // NOLINT(bugprone-sizeof-expression): an array of pointers
    g->id_len = calloc(nr + 1, sizeof *g->id_len);
    g->props = calloc(nr + 1,
                      sizeof *g->props); // NOLINT(bugprone-sizeof-expression): an array of pointers
    g->label = calloc(nr + 1, sizeof *g->label);
    if (!g->ids || !g->id_len || !g->props || !g->label)
      rc = ARCOS_ENOMEM;
  }
  char **labels = NULL;
  size_t nlab = 0;
  if (rc == ARCOS_OK)
    labels = calloc(nr + 1, sizeof *labels);
  if (labels == NULL)
    rc = ARCOS_ENOMEM;
  uint32_t n = 0;
  int64_t first_line = 0;
  char **vl = rc == ARCOS_OK ? calloc(nr + 1, sizeof *vl) : NULL;
  if (vl == NULL)
    rc = ARCOS_ENOMEM;
  *vlabel = vl;
  for (size_t i = 0; rc == ARCOS_OK && i < nr; i++) {
    if (n > 0 && g->id_len[n - 1] == r[i].idn && memcmp(g->ids[n - 1], r[i].id, r[i].idn) == 0) {
      char text[96];
      snprintf(text, sizeof text, "duplicate node id (the first, at %" PRId64 ", is kept)",
               first_line);
      rc = add_error(g, "duplicate_node", IN_NODES, (int64_t)r[i].line, r[i].id, r[i].idn, text);
      continue;
    }
    first_line = (int64_t)r[i].line;
    rd_t rr = {r[i].rest, r[i].end};
    const char *lab, *pt;
    size_t labn, ptn;
    get_str(&rr, &lab, &labn);
    get_str(&rr, &pt, &ptn);
    g->ids[n] = arcos_arena_strndup(g->arena, r[i].id, r[i].idn);
    g->id_len[n] = (uint32_t)r[i].idn;
    char *l = arcos_arena_strndup(g->arena, lab, labn);
    if (g->ids[n] == NULL || l == NULL) {
      rc = ARCOS_ENOMEM;
      break;
    }
    g->label[n] = -1;
    vl[n] = l;
    labels[nlab++] = l;
    if (ptn > 0) {
      g->props[n] = arcos_arena_strndup(g->arena, pt, ptn);
      if (g->props[n] == NULL) {
        rc = ARCOS_ENOMEM;
        break;
      }
    }
    n++;
  }
  free(r);
  g->n = n;
  if (rc == ARCOS_OK)
    nlab = sort_unique(labels, nlab);
  rc = agree(g->comm, rc);
  if (rc == ARCOS_OK)
    rc = global_table(g, labels, nlab, &g->labels, &g->nlabels);
  free(labels);
  return rc;
}

/* ---- public ---- */

int arcos_graph_gid_owner(const arcos_graph_t *g, uint64_t gid) {
  int lo = 0, hi = g->size - 1;
  while (lo < hi) {
    int mid = (lo + hi + 1) / 2;
    if (g->gid_base[mid] <= gid)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

int64_t arcos_graph_local_find(const arcos_graph_t *g, const char *id, size_t len) {
  if (g->htab != NULL) {
    for (uint64_t h = arcos_hash64(id, len) & g->hmask; g->htab[h] != 0; h = (h + 1) & g->hmask) {
      uint32_t v = g->htab[h] - 1;
      if (g->id_len[v] == len && memcmp(g->ids[v], id, len) == 0)
        return v;
    }
    return -1;
  }
  int64_t lo = 0, hi = (int64_t)g->n - 1;
  while (lo <= hi) {
    int64_t mid = lo + (hi - lo) / 2;
    size_t ml = g->id_len[mid];
    int c = memcmp(g->ids[mid], id, ml < len ? ml : len);
    if (c == 0 && ml != len)
      c = ml < len ? -1 : 1;
    if (c == 0)
      return mid;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid - 1;
  }
  return -1;
}

int arcos_graph_owner_of(const arcos_graph_t *g, const char *id, size_t len) {
  return owner_rank(g, id, len);
}

/* Build one CSR from (vertex, type, neighbour) triples: sort, count, prefix. */
typedef struct {
  uint64_t v, type, nbr;
} trip_t;

/* Each vertex's edges sorted by (type, neighbour): lists already in order are left as
 * they are, short ones by insertion sort, long ones (hubs) as one 64-bit key per edge,
 * (type << nbits) | neighbour, by an LSD radix sort over the key's used bytes (a
 * qsort with a comparator call per step took a third of an HDF5 load at 2 ranks). */
typedef struct {
  uint64_t type, nbr;
} tn_t;

static int cmp_tn(const void *a, const void *b) {
  const tn_t *x = a, *y = b;
  if (x->type != y->type)
    return x->type < y->type ? -1 : 1;
  return x->nbr < y->nbr ? -1 : x->nbr > y->nbr;
}

static unsigned bits_of(uint64_t v) {
  unsigned b = 0;
  while (b < 64 && (v >> b) != 0)
    b++;
  return b;
}

static void radix_u64(uint64_t *key, uint64_t *tmp, uint64_t k, unsigned bits) {
  uint64_t *src = key, *dst = tmp;
  for (unsigned shift = 0; shift < bits; shift += 8) {
    uint64_t cnt[257] = {0};
    for (uint64_t i = 0; i < k; i++)
      cnt[((src[i] >> shift) & 0xff) + 1]++;
    for (int d = 0; d < 256; d++)
      cnt[d + 1] += cnt[d];
    for (uint64_t i = 0; i < k; i++)
      dst[cnt[(src[i] >> shift) & 0xff]++] = src[i];
    uint64_t *t = src;
    src = dst;
    dst = t;
  }
  if (src != key)
    memcpy(key, src, k * sizeof *key);
}

int graph_sort_adjacency(uint32_t n, const uint64_t *off, uint64_t *nbr, uint32_t *type) {
  uint64_t maxd = 0, maxn = 0;
  uint32_t maxt = 0;
  for (uint32_t v = 0; v < n; v++)
    if (off[v + 1] - off[v] > maxd)
      maxd = off[v + 1] - off[v];
  for (uint64_t e = 0; e < off[n]; e++) {
    maxn = nbr[e] > maxn ? nbr[e] : maxn;
    maxt = type[e] > maxt ? type[e] : maxt;
  }
  unsigned nb_bits = bits_of(maxn), ty_bits = bits_of(maxt);
  bool keyed = nb_bits + ty_bits <= 64;
  uint64_t mask = nb_bits >= 64 ? UINT64_MAX : (((uint64_t)1 << nb_bits) - 1);
  void *tmp = maxd > 16 ? malloc(maxd * (keyed ? 2 * sizeof(uint64_t) : sizeof(tn_t))) : NULL;
  if (maxd > 16 && tmp == NULL)
    return ARCOS_ENOMEM;
  for (uint32_t v = 0; v < n; v++) {
    uint64_t a = off[v], k = off[v + 1] - a;
    uint64_t *nb = nbr + a;
    uint32_t *ty = type + a;
    uint64_t run = 1;
    while (run < k && (ty[run - 1] < ty[run] || (ty[run - 1] == ty[run] && nb[run - 1] <= nb[run])))
      run++;
    if (run >= k)
      continue; /* already in order: an HDF5 graph at 1 rank, most lists at any count */
    if (k <= 16) {
      for (uint64_t i = 1; i < k; i++) {
        uint64_t xn = nb[i];
        uint32_t xt = ty[i];
        uint64_t j = i;
        while (j > 0 && (ty[j - 1] > xt || (ty[j - 1] == xt && nb[j - 1] > xn))) {
          nb[j] = nb[j - 1];
          ty[j] = ty[j - 1];
          j--;
        }
        nb[j] = xn;
        ty[j] = xt;
      }
    } else if (keyed) {
      uint64_t *key = tmp, *scratch = key + k;
      for (uint64_t i = 0; i < k; i++)
        key[i] = nb_bits >= 64 ? nb[i] : ((uint64_t)ty[i] << nb_bits) | nb[i];
      radix_u64(key, scratch, k, nb_bits + ty_bits);
      for (uint64_t i = 0; i < k; i++) {
        nb[i] = key[i] & mask;
        ty[i] = nb_bits >= 64 ? 0 : (uint32_t)(key[i] >> nb_bits);
      }
    } else {
      tn_t *t = tmp;
      for (uint64_t i = 0; i < k; i++)
        t[i] = (tn_t){ty[i], nb[i]};
      qsort(t, k, sizeof *t, cmp_tn);
      for (uint64_t i = 0; i < k; i++) {
        ty[i] = (uint32_t)t[i].type;
        nb[i] = t[i].nbr;
      }
    }
  }
  free(tmp);
  return ARCOS_OK;
}

/* Counting sort by vertex straight into the CSR arrays, then each vertex's list by
 * type and neighbour (no second copy of the triples). */
static int build_csr(uint32_t n, trip_t *t, size_t nt, uint64_t **off, uint64_t **nbr,
                     uint32_t **type) {
  *off = calloc((size_t)n + 2, sizeof **off);
  *nbr = malloc((nt + 1) * sizeof **nbr);
  *type = malloc((nt + 1) * sizeof **type);
  uint64_t *fill = calloc((size_t)n + 1, sizeof *fill);
  if (*off == NULL || *nbr == NULL || *type == NULL || fill == NULL) {
    free(fill);
    return ARCOS_ENOMEM;
  }
  for (size_t i = 0; i < nt; i++)
    (*off)[t[i].v + 1]++;
  for (uint32_t v = 0; v < n; v++)
    (*off)[v + 1] += (*off)[v];
  for (size_t i = 0; i < nt; i++) {
    uint64_t at = (*off)[t[i].v] + fill[t[i].v]++;
    (*nbr)[at] = t[i].nbr;
    (*type)[at] = (uint32_t)t[i].type;
  }
  free(fill);
  return graph_sort_adjacency(n, *off, *nbr, *type);
}

/* The relationship's three strings (type, source_id, target_id) after its id. */
static void rel_strings(rd_t *rr, const char *s[3], size_t sn[3]) {
  for (int k = 0; k < 3; k++)
    get_str(rr, &s[k], &sn[k]);
}

/* A relationship record (line, id and the rest) to b, as received. */
static int forward_rel(arcos_buf_t *b, const rec_t *r) {
  int rc = put_u64(b, r->line);
  return rc ? rc
            : arcos_buf_append(b, r->id - sizeof(uint32_t),
                               (size_t)(r->end - r->id) + sizeof(uint32_t));
}

/* Step 1, at owner(rel id): the first of each id wins; forward to owner(target). */
static int edges_by_id(arcos_graph_t *g, arcos_buf_t *send, arcos_buf_t *recv) {
  rec_t *r = NULL;
  size_t nr = 0;
  int rc = split_recs(recv, 4, 0, &r, &nr);
  if (rc == ARCOS_OK && nr > 1)
    qsort(r, nr, sizeof *r, cmp_rec);
  for (size_t i = 0; rc == ARCOS_OK && i < nr; i++) {
    if (i > 0 && r[i].idn == r[i - 1].idn && memcmp(r[i].id, r[i - 1].id, r[i].idn) == 0) {
      rc = add_error(g, "duplicate_relationship", IN_RELS, (int64_t)r[i].line, r[i].id, r[i].idn,
                     "duplicate relationship id (the first in input order is kept)");
      continue;
    }
    rd_t rr = {r[i].rest, r[i].end};
    const char *s[3];
    size_t sn[3];
    rel_strings(&rr, s, sn);
    rc = forward_rel(&send[owner_rank(g, s[2], sn[2])], &r[i]);
  }
  free(r);
  return rc;
}

/* An error record for a relationship whose end (which: "source_id", "target_id") is no
 * node. */
static int dangling(arcos_graph_t *g, const rec_t *r, const char *which, const char *id, size_t n) {
  char text[192];
  snprintf(text, sizeof text, "%s \"%.*s\" is no node", which, (int)(n > 100 ? 100 : n), id);
  return add_error(g, "dangling_relationship", IN_RELS, (int64_t)r->line, r->id, r->idn, text);
}

/* Step 2, at owner(target): resolve the target; forward to owner(source) with its gid. */
static int edges_at_target(arcos_graph_t *g, arcos_buf_t *send, arcos_buf_t *recv) {
  rec_t *r = NULL;
  size_t nr = 0;
  int rc = split_recs(recv, 4, 0, &r, &nr);
  for (size_t i = 0; rc == ARCOS_OK && i < nr; i++) {
    rd_t rr = {r[i].rest, r[i].end};
    const char *s[3];
    size_t sn[3];
    rel_strings(&rr, s, sn);
    int64_t t = arcos_graph_local_find(g, s[2], sn[2]);
    if (t < 0) {
      rc = dangling(g, &r[i], "target_id", s[2], sn[2]);
      continue;
    }
    arcos_buf_t *b = &send[owner_rank(g, s[1], sn[1])];
    rc = forward_rel(b, &r[i]);
    rc = rc ? rc : put_u64(b, g->gid_base[g->rank] + (uint64_t)t);
  }
  free(r);
  return rc;
}

/* Step 3, at owner(source): resolve the source; the edge is valid. Its out-edge (source,
 * type name, target gid) goes to out/etype, the type name to tnames. */
static int edges_at_source(arcos_graph_t *g, arcos_buf_t *recv, trip_t **out, const char ***etype,
                           char ***tnames, size_t *nout) {
  rec_t *r = NULL;
  size_t nr = 0;
  int rc = split_recs(recv, 4, sizeof(uint64_t), &r, &nr); /* then the target gid */
  *out = rc == ARCOS_OK ? malloc((nr + 1) * sizeof **out) : NULL;
  *tnames = rc == ARCOS_OK ? malloc((nr + 1) * sizeof **tnames) : NULL;
  *etype = rc == ARCOS_OK ? malloc((nr + 1) * sizeof **etype) : NULL;
  if (rc == ARCOS_OK && (*out == NULL || *tnames == NULL || *etype == NULL))
    rc = ARCOS_ENOMEM;
  *nout = 0;
  for (size_t i = 0; rc == ARCOS_OK && i < nr; i++) {
    rd_t rr = {r[i].rest, r[i].end + sizeof(uint64_t)};
    const char *s[3];
    size_t sn[3];
    rel_strings(&rr, s, sn);
    uint64_t dst = get_u64(&rr);
    int64_t src = arcos_graph_local_find(g, s[1], sn[1]);
    if (src < 0) {
      rc = dangling(g, &r[i], "source_id", s[1], sn[1]);
      continue;
    }
    char *tn = arcos_arena_strndup(g->arena, s[0], sn[0]);
    if (tn == NULL) {
      rc = ARCOS_ENOMEM;
      break;
    }
    (*out)[*nout] = (trip_t){(uint64_t)src, 0, dst};
    (*etype)[*nout] = tn;
    (*tnames)[(*nout)++] = tn;
  }
  free(r);
  return rc;
}

/* Step 3, continued: the global type table, the out-edges' CSR, and each in-edge
 * (target gid, source gid, type) to owner(target). */
static int out_edges(arcos_graph_t *g, arcos_buf_t *send, arcos_buf_t *recv) {
  trip_t *out = NULL;
  const char **etype = NULL;
  char **tnames = NULL;
  size_t nout = 0;
  int rc = edges_at_source(g, recv, &out, &etype, &tnames, &nout);
  size_t ntn = rc == ARCOS_OK ? sort_unique(tnames, nout) : 0;
  rc = agree(g->comm, rc);
  if (rc == ARCOS_OK)
    rc = global_table(g, tnames, ntn, &g->types, &g->ntypes);
  free(tnames);
  for (size_t i = 0; rc == ARCOS_OK && i < nout; i++) {
    out[i].type = (uint64_t)table_find(g->types, g->ntypes, etype[i]);
    uint64_t trip[3] = {out[i].nbr, g->gid_base[g->rank] + out[i].v, out[i].type};
    rc = arcos_buf_append(&send[arcos_graph_gid_owner(g, out[i].nbr)], trip, sizeof trip);
  }
  free(etype);
  if (rc == ARCOS_OK)
    rc = build_csr(g->n, out, nout, &g->out_off, &g->out_nbr, &g->out_type);
  g->nout = nout;
  free(out);
  return rc;
}

/* Step 4, at owner(target): the in-edges' CSR. */
static int in_edges(arcos_graph_t *g, const arcos_buf_t *recv) {
  int rc = ARCOS_OK;
  size_t nin = recv->len / (3 * sizeof(uint64_t));
  trip_t *in = malloc((nin + 1) * sizeof *in);
  if (in == NULL)
    rc = ARCOS_ENOMEM;
  for (size_t i = 0; rc == ARCOS_OK && i < nin; i++) {
    uint64_t trip[3];
    memcpy(trip, recv->data + i * sizeof trip, sizeof trip);
    in[i] = (trip_t){trip[0] - g->gid_base[g->rank], trip[2], trip[1]};
  }
  if (rc == ARCOS_OK)
    rc = build_csr(g->n, in, nin, &g->in_off, &g->in_nbr, &g->in_type);
  g->nin = nin;
  free(in);
  return rc;
}

/* Relationships (received at owner(rel id)) to the out- and in-edge CSRs: each step runs
 * on every rank, and all agree before the exchange that feeds the next. */
static int load_edges(arcos_graph_t *g, arcos_buf_t *send, arcos_buf_t *recv) {
  int (*const steps[])(arcos_graph_t *, arcos_buf_t *,
                       arcos_buf_t *) = {edges_by_id, edges_at_target, out_edges};
  for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
    int rc = agree(g->comm, steps[k](g, send, recv));
    if (rc == ARCOS_OK)
      rc = graph_exchange(g, send, recv);
    if (rc != ARCOS_OK)
      return rc;
  }
  return agree(g->comm, in_edges(g, recv));
}

int graph_build_indexes(arcos_graph_t *g, char **vlabel) {
  int L = g->nlabels, T = g->ntypes;
  g->label_nodes = calloc((size_t)L + 1, sizeof *g->label_nodes);
  g->label_off = calloc((size_t)L + 2, sizeof *g->label_off);
  g->label_vtx = malloc(((size_t)g->n + 1) * sizeof *g->label_vtx);
  g->type_edges = calloc((size_t)T + 1, sizeof *g->type_edges);
  uint64_t *hist = calloc(34, sizeof *hist);
  int rc = (g->label_nodes && g->label_off && g->label_vtx && g->type_edges && hist) ? ARCOS_OK
                                                                                     : ARCOS_ENOMEM;
  rc = agree(g->comm, rc);
  if (rc != ARCOS_OK) {
    free(hist);
    return rc;
  }
  for (uint32_t v = 0; v < g->n; v++) {
    if (vlabel != NULL)
      g->label[v] = table_find(g->labels, L, vlabel[v]);
    g->label_off[g->label[v] + 1]++;
  }
  for (int l = 0; l < L; l++) {
    g->label_nodes[l] = g->label_off[l + 1];
    g->label_off[l + 1] += g->label_off[l];
  }
  uint64_t *fill = calloc((size_t)L + 1, sizeof *fill);
  for (uint32_t v = 0; fill != NULL && v < g->n; v++) {
    int l = g->label[v];
    g->label_vtx[g->label_off[l] + fill[l]++] = v;
  }
  free(fill);
  for (uint64_t e = 0; e < g->nout; e++)
    g->type_edges[g->out_type[e]]++;
  uint64_t maxd[2] = {0, 0};
  for (uint32_t v = 0; v < g->n; v++) {
    uint64_t od = g->out_off[v + 1] - g->out_off[v], id = g->in_off[v + 1] - g->in_off[v];
    if (od > maxd[0])
      maxd[0] = od;
    if (id > maxd[1])
      maxd[1] = id;
    int k = 0;
    while (k < 31 && (od >> k) != 0)
      k++;
    hist[k]++;
  }
  uint64_t loc[3] = {g->n, g->nout, g->nerrs};
  uint64_t glob[3];
  MPI_Allreduce(loc, glob, 3, MPI_UINT64_T, MPI_SUM, g->comm);
  g->stats.nodes = glob[0];
  g->stats.edges = glob[1];
  g->stats.errors = glob[2];
  MPI_Allreduce(MPI_IN_PLACE, maxd, 2, MPI_UINT64_T, MPI_MAX, g->comm);
  g->stats.max_out_degree = maxd[0];
  g->stats.max_in_degree = maxd[1];
  MPI_Allreduce(hist, g->stats.out_degree_hist, 32, MPI_UINT64_T, MPI_SUM, g->comm);
  MPI_Allreduce(MPI_IN_PLACE, g->label_nodes, L, MPI_UINT64_T, MPI_SUM, g->comm);
  MPI_Allreduce(MPI_IN_PLACE, g->type_edges, T, MPI_UINT64_T, MPI_SUM, g->comm);
  free(hist);
  return ARCOS_OK;
}

static bool file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int graph_create(MPI_Comm comm, arcos_graph_t **out, arcos_detail_t *d) {
  *out = NULL;
  arcos_graph_t *g = calloc(1, sizeof *g);
  int rc = agree(comm, g == NULL ? ARCOS_ENOMEM : ARCOS_OK);
  if (rc != ARCOS_OK) {
    free(g); /* allocated here when another rank failed */
    return arcos_detail_set(d, rc, "graph", 0, "out of memory");
  }
  g->comm = comm;
  MPI_Comm_rank(comm, &g->rank);
  MPI_Comm_size(comm, &g->size);
  g->ring = arcos_ring_create(g->size, 0);
  g->arena = arcos_arena_create();
  g->gid_base = calloc((size_t)g->size + 1, sizeof *g->gid_base);
  rc = agree(comm, g->ring && g->arena && g->gid_base ? ARCOS_OK : ARCOS_ENOMEM);
  if (rc != ARCOS_OK) {
    arcos_graph_destroy(&g);
    return arcos_detail_set(d, rc, "graph", 0, "out of memory");
  }
  *out = g;
  return ARCOS_OK;
}

int graph_load_dir(arcos_graph_t *g, const char *path, arcos_detail_t *d) {
  MPI_Comm comm = g->comm;
  arcos_buf_t *send = calloc((size_t)g->size, sizeof *send);
  arcos_buf_t recv = {0};
  char **vlabel = NULL;
  int rc = agree(comm, send != NULL ? ARCOS_OK : ARCOS_ENOMEM);
  if (rc != ARCOS_OK) {
    free(send);
    return arcos_detail_set(d, rc, "graph", 0, "out of memory");
  }
  /* Which layout: decided by rank 0 so that all ranks agree. */
  char np[4096], rp[4096];
  int jsonl = -1;
  if (g->rank == 0) {
    for (int k = 0; k < 2 && jsonl < 0; k++) {
      const char *ext = k == 0 ? "jsonl" : "json";
      snprintf(np, sizeof np, "%s/nodes.%s", path, ext);
      snprintf(rp, sizeof rp, "%s/relationships.%s", path, ext);
      if (file_exists(np) && file_exists(rp))
        jsonl = k == 0;
    }
  }
  MPI_Bcast(&jsonl, 1, MPI_INT, 0, comm);
  if (jsonl < 0) {
    rc = arcos_detail_set(d, ARCOS_ENOENT, path, 0,
                          "no graph found: expected nodes.jsonl + relationships.jsonl or "
                          "nodes.json + relationships.json in this directory, or an HDF5 "
                          "graph file made by arcos-scale convert");
    goto done;
  }
  const char *ext = jsonl ? "jsonl" : "json";
  snprintf(np, sizeof np, "%s/nodes.%s", path, ext);
  snprintf(rp, sizeof rp, "%s/relationships.%s", path, ext);
  snprintf(g->input_names[IN_NODES], sizeof g->input_names[0], "nodes.%s", ext);
  snprintf(g->input_names[IN_RELS], sizeof g->input_names[1], "relationships.%s", ext);

  collect_t c = {IN_NODES, send, 0};
  rc = read_input(g, np, IN_NODES, jsonl, collect_node, &c, d);
  if (rc == ARCOS_OK)
    rc = graph_exchange(g, send, &recv);
  if (rc == ARCOS_OK)
    rc = build_vertices(g, &recv, &vlabel);
  if (rc != ARCOS_OK)
    goto done;
  graph_build_id_hash(g);
  uint64_t padded = ((uint64_t)g->n + 63) / 64 * 64;
  MPI_Allgather(&padded, 1, MPI_UINT64_T, g->gid_base + 1, 1, MPI_UINT64_T, comm);
  for (int q = 0; q < g->size; q++)
    g->gid_base[q + 1] += g->gid_base[q];

  c = (collect_t){IN_RELS, send, 0};
  rc = read_input(g, rp, IN_RELS, jsonl, collect_rel, &c, d);
  if (rc == ARCOS_OK)
    rc = graph_exchange(g, send, &recv);
  if (rc == ARCOS_OK)
    rc = load_edges(g, send, &recv);
  if (rc == ARCOS_OK)
    rc = graph_build_indexes(g, vlabel);
  if (rc != ARCOS_OK && d != NULL && d->code == 0)
    arcos_detail_set(d, rc, path, 0, "loading the graph failed: %s", arcos_strerror(rc));
done:
  free(vlabel);
  for (int q = 0; q < g->size; q++)
    arcos_buf_free(&send[q]);
  free(send);
  arcos_buf_free(&recv);
  return rc;
}

void arcos_graph_destroy(arcos_graph_t **gp) {
  if (gp == NULL || *gp == NULL)
    return;
  arcos_graph_t *g = *gp;
  free(g->props); /* the texts live in the arena */
  free(g->ids);
  free(g->id_len);
  free(g->label);
  free(g->gid_base);
  free(g->labels);
  free(g->label_nodes);
  free(g->label_off);
  free(g->label_vtx);
  free(g->types);
  free(g->type_edges);
  free(g->out_off);
  free(g->in_off);
  free(g->out_nbr);
  free(g->in_nbr);
  free(g->out_type);
  free(g->in_type);
  free(g->errs);
  free(g->htab);
  arcos_ring_destroy(&g->ring);
  arcos_arena_destroy(&g->arena);
  free(g);
  *gp = NULL;
}

const arcos_graph_stats_t *arcos_graph_stats(const arcos_graph_t *g) { return &g->stats; }
MPI_Comm arcos_graph_comm(const arcos_graph_t *g) { return g->comm; }
int arcos_graph_label_count(const arcos_graph_t *g) { return g->nlabels; }
const char *arcos_graph_label_name(const arcos_graph_t *g, int l) { return g->labels[l]; }
int arcos_graph_label_find(const arcos_graph_t *g, const char *name) {
  return table_find(g->labels, g->nlabels, name);
}
uint64_t arcos_graph_label_nodes(const arcos_graph_t *g, int l) { return g->label_nodes[l]; }
int arcos_graph_type_count(const arcos_graph_t *g) { return g->ntypes; }
const char *arcos_graph_type_name(const arcos_graph_t *g, int t) { return g->types[t]; }
int arcos_graph_type_find(const arcos_graph_t *g, const char *name) {
  return table_find(g->types, g->ntypes, name);
}
uint64_t arcos_graph_type_edges(const arcos_graph_t *g, int t) { return g->type_edges[t]; }
uint32_t arcos_graph_local_count(const arcos_graph_t *g) { return g->n; }
uint64_t arcos_graph_gid_base(const arcos_graph_t *g, int rank) { return g->gid_base[rank]; }
const char *arcos_graph_local_id(const arcos_graph_t *g, uint32_t v) { return g->ids[v]; }
int arcos_graph_local_label(const arcos_graph_t *g, uint32_t v) { return g->label[v]; }
const char *arcos_graph_local_properties(const arcos_graph_t *g, uint32_t v) { return g->props[v]; }
const uint32_t *arcos_graph_label_index(const arcos_graph_t *g, int l, uint32_t *count) {
  *count = (uint32_t)(g->label_off[l + 1] - g->label_off[l]);
  return g->label_vtx + g->label_off[l];
}
arcos_graph_adj_t arcos_graph_out(const arcos_graph_t *g, uint32_t v) {
  uint64_t a = g->out_off[v];
  return (arcos_graph_adj_t){g->out_nbr + a, g->out_type + a, g->out_off[v + 1] - a};
}
arcos_graph_adj_t arcos_graph_in(const arcos_graph_t *g, uint32_t v) {
  uint64_t a = g->in_off[v];
  return (arcos_graph_adj_t){g->in_nbr + a, g->in_type + a, g->in_off[v + 1] - a};
}
uint64_t arcos_graph_local_edges(const arcos_graph_t *g) { return g->nout; }
size_t arcos_graph_bitmap_words(const arcos_graph_t *g) {
  return (size_t)((g->gid_base[g->rank + 1] - g->gid_base[g->rank]) / 64);
}
size_t arcos_graph_global_words(const arcos_graph_t *g) {
  return (size_t)(g->gid_base[g->size] / 64);
}
const arcos_graph_error_t *arcos_graph_errors(const arcos_graph_t *g, size_t *count) {
  *count = g->nerrs;
  return g->errs;
}

size_t arcos_graph_memory_bytes(const arcos_graph_t *g) {
  return sizeof *g + arcos_arena_bytes(g->arena) +
         (size_t)g->n * (sizeof(char *) + sizeof(uint32_t) * 2 + sizeof(int) + sizeof(char *) +
                         2 * sizeof(uint64_t)) +
         (size_t)(g->nout + g->nin) * (sizeof(uint64_t) + sizeof(uint32_t)) +
         g->nerrs * sizeof(arcos_graph_error_t) + (g->htab ? (g->hmask + 1) * 4 : 0);
}

static int cmp_err_json(const void *a, const void *b) {
  json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
  int c = strcmp(json_string_value(json_object_get(x, "input")),
                 json_string_value(json_object_get(y, "input")));
  if (c != 0)
    return c;
  json_int_t lx = json_integer_value(json_object_get(x, "line"));
  json_int_t ly = json_integer_value(json_object_get(y, "line"));
  if (lx != ly)
    return lx < ly ? -1 : 1;
  return strcmp(json_string_value(json_object_get(x, "key")),
                json_string_value(json_object_get(y, "key")));
}

json_t *arcos_graph_errors_gather(const arcos_graph_t *g) {
  int P = g->size;
  int bytes = (int)(g->nerrs * sizeof(arcos_graph_error_t));
  int *cnt = calloc((size_t)P * 2, sizeof(int));
  int *dsp = cnt + P;
  MPI_Gather(&bytes, 1, MPI_INT, cnt, 1, MPI_INT, 0, g->comm);
  size_t total = 0;
  for (int q = 0; g->rank == 0 && q < P; q++) {
    dsp[q] = (int)total;
    total += (size_t)cnt[q];
  }
  arcos_graph_error_t *all = g->rank == 0 ? malloc(total + 1) : NULL;
  MPI_Gatherv(g->errs, bytes, MPI_BYTE, all, cnt, dsp, MPI_BYTE, 0, g->comm);
  free(cnt);
  if (g->rank != 0)
    return NULL;
  size_t n = total / sizeof *all;
  json_t **items = malloc(
      (n + 1) * sizeof *items); // NOLINT(bugprone-sizeof-expression): an array of pointers
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++) {
    arcos_graph_error_t *e = &all[i];
    items[i] = json_pack("{s:s, s:s, s:I, s:s, s:s}", "kind", e->kind, "input", e->input, "line",
                         (json_int_t)e->line, "key", e->key, "error", e->text);
    if (items[i] == NULL) /* a key cut inside a UTF-8 sequence */
      items[i] = json_pack("{s:s, s:s, s:I, s:s, s:s}", "kind", e->kind, "input", e->input, "line",
                           (json_int_t)e->line, "key", "", "error", e->text);
  }
  if (n > 1)
    // NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers
    qsort(items, n, sizeof *items, cmp_err_json);
  for (size_t i = 0; i < n; i++)
    json_array_append_new(arr, items[i]);
  free(items);
  free(all);
  return arr;
}
