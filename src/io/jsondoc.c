/* Readers of JSON documents (.json), read whole: an array of records, the seed's
 * workload object {"evidence_items": [...]}, CIV-ARCOS's REST list body
 * {"count": N, "evidence": [...]}, and a CIV-ARCOS evidence store (nodes.json, as
 * EvidenceGraph.save_to_disk writes it); their reader table entry. See SPEC section 1
 * and docs/formats.md.
 *
 * The document is scanned, not parsed: each record's text is delimited by bracket
 * depth and string state and handed on, and the pipeline's parser validates it, so a
 * bad record is one error at its own position and the records around it stand. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/reader.h"

size_t arcos_json_skip_ws(const char *s, size_t i, size_t n) {
  while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
    i++;
  return i;
}

size_t arcos_json_value_end(const char *s, size_t i, size_t n, bool *cut) {
  *cut = false;
  int depth = 0;
  bool in_str = false;
  for (; i < n; i++) {
    char c = s[i];
    if (in_str) {
      if (c == '\\')
        i++;
      else if (c == '"') {
        in_str = false;
        if (depth == 0)
          return i + 1;
      }
      continue;
    }
    if (c == '"')
      in_str = true;
    else if (c == '[' || c == '{')
      depth++;
    else if (c == ']' || c == '}') {
      if (depth == 0)
        return i; /* closes the enclosing container */
      if (--depth == 0)
        return i + 1;
    } else if (depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r'))
      return i;
  }
  *cut = true;
  return n;
}

/* After the records array has closed (i just past its ']'): only whitespace may
 * follow, or, inside the seed's object, further members and the closing '}'.
 * Returns where the document stops being well-formed, or SIZE_MAX when it ends
 * properly. Member values are delimited, not validated. */
static size_t doc_tail(const char *s, size_t i, size_t n, bool in_object) {
  bool cut = false;
  i = arcos_json_skip_ws(s, i, n);
  if (in_object) {
    while (i < n && s[i] == ',') {
      size_t k = arcos_json_skip_ws(s, i + 1, n);
      size_t e = k < n && s[k] == '"' ? arcos_json_value_end(s, k, n, &cut) : k;
      if (e == k || cut)
        return i;
      k = arcos_json_skip_ws(s, e, n);
      if (k >= n || s[k] != ':')
        return i;
      k = arcos_json_skip_ws(s, k + 1, n);
      e = arcos_json_value_end(s, k, n, &cut);
      if (e == k || cut)
        return i;
      i = arcos_json_skip_ws(s, e, n);
    }
    if (i >= n || s[i] != '}')
      return i;
    i = arcos_json_skip_ws(s, i + 1, n);
  }
  return i < n ? i : SIZE_MAX;
}

/* The document being read, and where its records go. */
typedef struct {
  const char *s;
  size_t n;
  arcos_record_fn fn;
  arcos_reader_error_fn onerror;
  void *arg;
  arcos_read_stats_t *st;
} doc_t;

/* The text from `at` to the end of the document as one parse error record. */
static int doc_error(doc_t *d, size_t at, uint64_t line, const char *message) {
  arcos_raw_t r = {d->s + at, d->n - at, line, at, NULL};
  d->st->records++;
  return d->onerror(d->arg, &r, ARCOS_EPARSE, message);
}

static int doc_record(doc_t *d, size_t from, size_t to, uint64_t line) {
  arcos_raw_t r = {d->s + from, to - from, line, from, NULL};
  d->st->records++;
  return d->fn(d->arg, &r);
}

/* The records of the array at i (its '['), one by one; where the structure breaks, the
 * rest of the document is one parse error record (the broken part) and the records
 * before it stand. key: the object member holding the array, NULL for a bare array. */
static int read_array(doc_t *d, size_t i, const char *key) {
  const char *s = d->s;
  size_t n = d->n;
  uint64_t element = 1;
  const char *broken = NULL;
  i = arcos_json_skip_ws(s, i + 1, n);
  bool closed = i < n && s[i] == ']';
  if (closed)
    i++;
  while (!closed && broken == NULL) {
    bool cut = false;
    size_t e = arcos_json_value_end(s, i, n, &cut);
    if (cut) {
      broken = "the JSON array is not closed (file truncated?)";
    } else if (e == i) {
      broken = "expected an array element (an empty element or a ',' before ']')";
    } else {
      int rc = doc_record(d, i, e, element++);
      if (rc != 0)
        return rc;
      i = arcos_json_skip_ws(s, e, n);
      if (i < n && s[i] == ',') {
        i = arcos_json_skip_ws(s, i + 1, n);
      } else if (i < n && s[i] == ']') {
        closed = true;
        i++;
      } else {
        broken = i < n ? "expected ',' or ']' between array elements"
                       : "the JSON array is not closed (file truncated?)";
      }
    }
  }
  if (broken == NULL) {
    size_t t = doc_tail(s, i, n, key != NULL);
    if (t == SIZE_MAX)
      return ARCOS_OK;
    i = t;
    if (key == NULL)
      broken = "unexpected text after the closing ']' of the array";
    else if (strcmp(key, "evidence_items") == 0)
      broken = "the evidence_items object does not end properly after its array "
               "(file truncated, or text after the object?)";
    else
      broken = "the REST list body does not end properly after its \"evidence\" array "
               "(file truncated, or text after the object?)";
  }
  return doc_error(d, i, element, broken);
}

/* Whether the JSON string at [s, s + n) (quotes included) is `lit`. Escaped strings
 * are decoded, so "\u0045vidence" is "Evidence" as it is for Python. */
static bool json_string_is(const char *s, size_t n, const char *lit) {
  size_t m = strlen(lit);
  if (n < 2 || s[0] != '"')
    return false;
  if (memchr(s, '\\', n) == NULL)
    return n == m + 2 && memcmp(s + 1, lit, m) == 0;
  json_t *v = json_loadb(s, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
  bool eq = json_is_string(v) && json_string_length(v) == m &&
            memcmp(json_string_value(v), lit, m) == 0;
  json_decref(v);
  return eq;
}

/* One member of an object, the scan at its key (i): the key [i, *kend), the value
 * [*v0, *v1). Returns false where the structure breaks. */
static bool object_member(const char *s, size_t n, size_t i, size_t *kend, size_t *v0, size_t *v1) {
  bool cut = false;
  if (i >= n || s[i] != '"')
    return false;
  *kend = arcos_json_value_end(s, i, n, &cut);
  if (cut)
    return false;
  size_t j = arcos_json_skip_ws(s, *kend, n);
  if (j >= n || s[j] != ':')
    return false;
  *v0 = arcos_json_skip_ws(s, j + 1, n);
  *v1 = arcos_json_value_end(s, *v0, n, &cut);
  return !cut && *v1 > *v0;
}

/* After a member's value (at e): the next member's key, with *closed set at the
 * object's '}' (then the index past it); SIZE_MAX where the structure breaks. */
static size_t object_next(const char *s, size_t n, size_t e, bool *closed) {
  size_t j = arcos_json_skip_ws(s, e, n);
  *closed = j < n && s[j] == '}';
  if (*closed)
    return j + 1;
  if (j < n && s[j] == ',')
    return arcos_json_skip_ws(s, j + 1, n);
  return SIZE_MAX;
}

/* A store node: an object with "label" and "properties" members (the last of a
 * repeated key wins, as in Python). *evidence: labelled "Evidence"; [*p0, *p1): the
 * properties value. */
static bool store_node(const char *s, size_t from, size_t to, bool *evidence, size_t *p0,
                       size_t *p1) {
  if (s[from] != '{')
    return false;
  bool label = false, props = false, closed = false;
  size_t i = arcos_json_skip_ws(s, from + 1, to);
  if (i < to && s[i] == '}')
    return false;
  while (!closed && i != SIZE_MAX) {
    size_t kend, v0, v1;
    if (!object_member(s, to, i, &kend, &v0, &v1))
      break;
    if (json_string_is(s + i, kend - i, "label")) {
      label = true;
      *evidence = json_string_is(s + v0, v1 - v0, "Evidence");
    } else if (json_string_is(s + i, kend - i, "properties")) {
      props = true;
      *p0 = v0;
      *p1 = v1;
    }
    i = object_next(s, to, v1, &closed);
  }
  return label && props;
}

/* An evidence store (the object at i): every member a node (store_node). With deliver
 * false, only whether it is one (*nodes: complete nodes seen); with deliver true, each
 * Evidence node's properties is a record at the node's 1-based position, and a break
 * in the structure after the nodes is one parse error record. */
static int store_walk(doc_t *d, size_t i, bool deliver, uint64_t *nodes) {
  const char *s = d->s;
  size_t n = d->n;
  bool closed = false;
  *nodes = 0;
  i = arcos_json_skip_ws(s, i + 1, n);
  if (i < n && s[i] == '}')
    return ARCOS_EPARSE; /* {} holds no nodes: not a store */
  while (!closed) {
    size_t kend, v0, v1, p0 = 0, p1 = 0;
    bool evidence = false;
    if (!object_member(s, n, i, &kend, &v0, &v1))
      break;
    if (!store_node(s, v0, v1, &evidence, &p0, &p1))
      return ARCOS_EPARSE; /* a member that is not a node: not a store */
    ++*nodes;
    if (deliver && evidence) {
      int rc = doc_record(d, p0, p1, *nodes);
      if (rc != 0)
        return rc;
    }
    size_t next = object_next(s, n, v1, &closed);
    if (next == SIZE_MAX) { /* neither ',' nor '}' after the node */
      i = arcos_json_skip_ws(s, v1, n);
      break;
    }
    i = next;
  }
  if (closed) {
    i = arcos_json_skip_ws(s, i, n);
    if (i >= n)
      return ARCOS_OK;
  }
  if (*nodes == 0)
    return ARCOS_EPARSE;
  return deliver ? doc_error(d, i, *nodes + 1,
                             closed ? "unexpected text after the closing '}' of the evidence store"
                                    : "the evidence store (nodes.json) breaks off after its last "
                                      "complete node (file truncated?)")
                 : ARCOS_OK;
}

/* A top-level object: the workload object's "evidence_items" array (it wins), else a
 * REST list body's "evidence" array, else an evidence store. The search delimits the
 * members before the array without validating them, as it always has. */
static int read_object(doc_t *d, size_t i) {
  const char *s = d->s;
  size_t n = d->n;
  size_t j = arcos_json_skip_ws(s, i + 1, n);
  size_t items = SIZE_MAX, evidence = SIZE_MAX;
  bool cut = false;
  while (j < n && s[j] == '"') {
    size_t kend = arcos_json_value_end(s, j, n, &cut);
    bool is_items = kend - j == 16 && memcmp(s + j, "\"evidence_items\"", 16) == 0;
    bool is_evidence = kend - j == 10 && memcmp(s + j, "\"evidence\"", 10) == 0;
    j = arcos_json_skip_ws(s, kend, n);
    if (j >= n || s[j] != ':')
      break;
    j = arcos_json_skip_ws(s, j + 1, n);
    if (is_items) {
      items = j;
      break;
    }
    if (is_evidence && evidence == SIZE_MAX && j < n && s[j] == '[')
      evidence = j;
    j = arcos_json_skip_ws(s, arcos_json_value_end(s, j, n, &cut), n);
    if (j < n && s[j] == ',')
      j = arcos_json_skip_ws(s, j + 1, n);
  }
  if (items != SIZE_MAX && items < n && s[items] == '[')
    return read_array(d, items, "evidence_items");
  uint64_t nodes = 0;
  if (items == SIZE_MAX && evidence != SIZE_MAX)
    return read_array(d, evidence, "evidence");
  if (items == SIZE_MAX && store_walk(d, i, false, &nodes) == ARCOS_OK)
    return store_walk(d, i, true, &nodes);
  arcos_raw_t r = {s, n, 1, 0, NULL};
  d->st->records++;
  return d->onerror(d->arg, &r, ARCOS_EPARSE,
                    "a .json input must be an array of records, an object with an "
                    "\"evidence_items\" or \"evidence\" array, or an evidence store "
                    "(nodes.json: an object whose every member is a node with \"label\" and "
                    "\"properties\")");
}

static int read_json_doc(const arcos_input_t *in, const arcos_partition_t *part, arcos_buf_t *buf,
                         arcos_record_fn fn, arcos_reader_error_fn onerror, void *arg,
                         arcos_read_stats_t *st) {
  (void)part; /* read whole: a slice is kept by arcos_read_partition's filter */
  arcos_buf_reset(buf);
  double t0 = arcos_now();
  if (arcos_input_path_changed(in))
    return ARCOS_ECHANGED;
  int rc = arcos_read_file(in->path, buf);
  st->io_s += arcos_now() - t0;
  if (rc == ARCOS_OK && buf->len != in->size)
    return ARCOS_ECHANGED;
  if (rc != ARCOS_OK) {
    arcos_raw_t r = {"", 0, 1, 0, NULL};
    st->records++;
    return onerror(arg, &r, ARCOS_EIO, "cannot read file");
  }
  doc_t d = {buf->data, buf->len, fn, onerror, arg, st};
  size_t i = arcos_json_skip_ws(d.s, 0, d.n);
  const char *t = d.s + i;
  size_t tn = d.n - i;
  arcos_record_trim(&t, &tn, 0); /* the byte order mark, as at the start of a record */
  i = arcos_json_skip_ws(d.s, (size_t)(t - d.s), d.n);
  if (i >= d.n)
    return ARCOS_OK; /* an empty document holds no records */
  if (d.s[i] == '{')
    return read_object(&d, i);
  if (d.s[i] != '[') {
    arcos_raw_t r = {d.s, d.n, 1, 0, NULL};
    st->records++;
    return onerror(arg, &r, ARCOS_EPARSE, "a .json input must hold a JSON array of records");
  }
  return read_array(&d, i, NULL);
}

static bool detect_json(const char *path, bool named) {
  return !named && arcos_path_ends_with(path, ".json");
}

/* The whole document is read, then its records are held: about 1.5 times its bytes
 * (a slice: the document, and half of the slice's bytes). */
static uint64_t cost_json(const arcos_input_t *in, const arcos_partition_t *part) {
  return in->size + arcos_span_bytes(in, part) / 2;
}

/* Slices of the document (arcos_plan_slices) when more than one rank takes partitions. */
static uint64_t plan_json(const arcos_input_t *in, const arcos_cut_t *cut, arcos_partition_t *out) {
  return arcos_plan_slices(in, cut, in->size, 1, out);
}

const arcos_reader_t arcos_reader_json = {
    .name = "json",
    .format = ARCOS_FMT_JSON,
    .detect = detect_json,
    .plan = plan_json,
    .read = read_json_doc,
    .cost = cost_json,
    .span = arcos_span_bytes,
    .position = arcos_position_bytes,
    .slices = true,
};
