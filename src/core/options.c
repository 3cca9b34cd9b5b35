/* One option parser for every command; see core/options.h. Generalised from run's
 * option table (formerly all in src/run/config.c). */
#include "arcos/options.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/timestamp.h"
#include "arcos/util.h"
#include "core/jsonw.h"

void arcos_opts_flag_name(const arcos_opt_t *o, char *out, size_t n) {
  snprintf(out, n, "%s", o->key);
  for (char *p = out; *p; p++)
    if (*p == '_' || *p == '.')
      *p = '-';
}

const arcos_opt_t *arcos_opts_find_key(const arcos_optset_t *set, const char *key) {
  for (size_t i = 0; i < set->n; i++)
    if (strcmp(set->opt[i].key, key) == 0)
      return &set->opt[i];
  return NULL;
}

static const arcos_opt_t *find_flag(const arcos_optset_t *set, const char *flag) {
  char name[96];
  for (size_t i = 0; i < set->n; i++) {
    arcos_opts_flag_name(&set->opt[i], name, sizeof name);
    if (strcmp(flag, name) == 0)
      return &set->opt[i];
  }
  for (const char *const *a = set->aliases; a != NULL && a[0] != NULL; a += 2)
    if (strcmp(flag, a[0]) == 0)
      return arcos_opts_find_key(set, a[1]);
  return NULL;
}

/* An integer option's text: a decimal integer within [min, max]. */
static int set_integer(const arcos_opt_t *o, void *field, const char *text, const char *origin,
                       const char *source, int errcode, arcos_detail_t *d) {
  char *end = NULL;
  errno = 0;
  if (o->kind == ARCOS_OPT_U64) {
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] < '0' || text[0] > '9')
      return arcos_detail_set(d, errcode, source, 0,
                              "%s: expected a non-negative integer, got '%s'", origin, text);
    if ((double)v < o->min || (double)v > o->max)
      return arcos_detail_set(d, errcode, source, 0, "%s: %llu is out of range [%.0f, %.0f]",
                              origin, v, o->min, o->max);
    *(uint64_t *)field = (uint64_t)v;
    return ARCOS_OK;
  }
  long long v = strtoll(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0')
    return arcos_detail_set(d, errcode, source, 0, "%s: expected an integer, got '%s'", origin,
                            text);
  if ((double)v < o->min || (double)v > o->max)
    return arcos_detail_set(d, errcode, source, 0, "%s: %lld is out of range [%.0f, %.0f]", origin,
                            v, o->min, o->max);
  if (o->kind == ARCOS_OPT_I32)
    *(int *)field = (int)v;
  else
    *(int64_t *)field = (int64_t)v;
  return ARCOS_OK;
}

static int set_other(const arcos_opt_t *o, void *field, const char *text, const char *origin,
                     const char *source, int errcode, arcos_detail_t *d) {
  char *end = NULL;
  switch (o->kind) {
  case ARCOS_OPT_F64: {
    errno = 0;
    double v = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !isfinite(v))
      return arcos_detail_set(d, errcode, source, 0, "%s: expected a number, got '%s'", origin,
                              text);
    if (v < o->min || v > o->max)
      return arcos_detail_set(d, errcode, source, 0, "%s: %g is out of range [%g, %g]", origin, v,
                              o->min, o->max);
    *(double *)field = v;
    return ARCOS_OK;
  }
  case ARCOS_OPT_STRING: {
    if (text[0] == '\0')
      return arcos_detail_set(d, errcode, source, 0, "%s: must not be empty", origin);
    char *copy = strdup(text);
    if (copy == NULL)
      return arcos_detail_set(d, ARCOS_ENOMEM, source, 0, "%s: out of memory", origin);
    free(*(char **)field);
    *(char **)field = copy;
    return ARCOS_OK;
  }
  case ARCOS_OPT_STRINGS: {
    arcos_strlist_t *l = field;
    if (text[0] == '\0')
      return arcos_detail_set(d, errcode, source, 0, "%s: must not be empty", origin);
    char **grown = realloc(l->v, (l->n + 1) * sizeof *grown);
    char *copy = grown != NULL ? strdup(text) : NULL;
    if (grown != NULL)
      l->v = grown;
    if (copy == NULL)
      return arcos_detail_set(d, ARCOS_ENOMEM, source, 0, "%s: out of memory", origin);
    l->v[l->n++] = copy;
    return ARCOS_OK;
  }
  case ARCOS_OPT_ENUM: {
    char list[256] = "";
    for (int i = 0; o->choices[i] != NULL; i++) {
      if (strcmp(text, o->choices[i]) == 0) {
        *(int *)field = i;
        return ARCOS_OK;
      }
      size_t len = strlen(list);
      snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", o->choices[i]);
    }
    return arcos_detail_set(d, errcode, source, 0, "%s: '%s' is not one of the choices (%s)",
                            origin, text, list);
  }
  case ARCOS_OPT_TIME: {
    int64_t t = 0;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno == 0 && end != text && *end == '\0')
      t = (int64_t)v;
    else if (arcos_rfc3339_parse(text, strlen(text), &t) != ARCOS_OK)
      return arcos_detail_set(d, errcode, source, 0,
                              "%s: '%s' is neither an RFC 3339 time (such as "
                              "2026-11-01T00:00:00Z) nor epoch seconds",
                              origin, text);
    if ((double)t < o->min || (double)t > o->max)
      return arcos_detail_set(d, errcode, source, 0, "%s: '%s' is out of range", origin, text);
    *(int64_t *)field = t;
    return ARCOS_OK;
  }
  default:
    return arcos_detail_set(d, ARCOS_EINTERNAL, source, 0, "%s: unknown option type", origin);
  }
}

int arcos_opts_set_text(const arcos_opt_t *o, void *base, const char *text, const char *origin,
                        const char *source, int errcode, arcos_detail_t *d) {
  void *field = (char *)base + o->offset;
  switch (o->kind) {
  case ARCOS_OPT_RETIRED:
    return arcos_detail_set(d, errcode, source, 0, "%s is retired: %s", origin, o->help);
  case ARCOS_OPT_BOOL:
    if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0 || strcmp(text, "yes") == 0)
      *(bool *)field = true;
    else if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0 || strcmp(text, "no") == 0)
      *(bool *)field = false;
    else
      return arcos_detail_set(d, errcode, source, 0, "%s: expected true or false, got '%s'", origin,
                              text);
    return ARCOS_OK;
  case ARCOS_OPT_I32:
  case ARCOS_OPT_I64:
  case ARCOS_OPT_U64:
    return set_integer(o, field, text, origin, source, errcode, d);
  default:
    return set_other(o, field, text, origin, source, errcode, d);
  }
}

int arcos_opts_set_json(const arcos_opt_t *o, void *base, json_t *v, const char *path,
                        arcos_detail_t *d) {
  char origin[128], buf[64];
  snprintf(origin, sizeof origin, "key %s", o->key);
  switch (o->kind) {
  case ARCOS_OPT_RETIRED:
    return arcos_opts_set_text(o, base, "", origin, path, ARCOS_ECONFIG, d);
  case ARCOS_OPT_BOOL:
    if (!json_is_boolean(v))
      return arcos_detail_set(d, ARCOS_ECONFIG, path, 0, "%s: expected true or false", origin);
    return arcos_opts_set_text(o, base, json_is_true(v) ? "true" : "false", origin, path,
                               ARCOS_ECONFIG, d);
  case ARCOS_OPT_I32:
  case ARCOS_OPT_I64:
  case ARCOS_OPT_U64:
    if (!json_is_integer(v))
      return arcos_detail_set(d, ARCOS_ECONFIG, path, 0, "%s: expected an integer", origin);
    snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
    return arcos_opts_set_text(o, base, buf, origin, path, ARCOS_ECONFIG, d);
  case ARCOS_OPT_F64:
    if (!json_is_number(v))
      return arcos_detail_set(d, ARCOS_ECONFIG, path, 0, "%s: expected a number", origin);
    snprintf(buf, sizeof buf, "%.17g", json_number_value(v));
    return arcos_opts_set_text(o, base, buf, origin, path, ARCOS_ECONFIG, d);
  case ARCOS_OPT_STRINGS:
    if (json_is_array(v)) {
      arcos_strlist_clear((arcos_strlist_t *)((char *)base + o->offset));
      size_t i;
      json_t *e;
      json_array_foreach(v, i, e) {
        if (!json_is_string(e))
          return arcos_detail_set(d, ARCOS_ECONFIG, path, 0, "%s: element %zu: expected a string",
                                  origin, i);
        int rc = arcos_opts_set_text(o, base, json_string_value(e), origin, path, ARCOS_ECONFIG, d);
        if (rc != ARCOS_OK)
          return rc;
      }
      return ARCOS_OK;
    }
    if (json_is_string(v)) /* one string: a list of one */
      arcos_strlist_clear((arcos_strlist_t *)((char *)base + o->offset));
    break;
  case ARCOS_OPT_TIME:
    if (json_is_integer(v)) {
      snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
      return arcos_opts_set_text(o, base, buf, origin, path, ARCOS_ECONFIG, d);
    }
    break;
  default:
    break;
  }
  /* Strings, choices and times written as text. */
  if (!json_is_string(v))
    return arcos_detail_set(d, ARCOS_ECONFIG, path, 0, "%s: expected a string", origin);
  return arcos_opts_set_text(o, base, json_string_value(v), origin, path, ARCOS_ECONFIG, d);
}

int arcos_opts_apply_env(const arcos_optset_t *set, void *base, arcos_detail_t *d) {
  for (size_t i = 0; i < set->n; i++) {
    const arcos_opt_t *o = &set->opt[i];
    const char *v = o->env != NULL ? getenv(o->env) : NULL;
    if (v == NULL || v[0] == '\0')
      continue;
    char origin[160];
    snprintf(origin, sizeof origin, "%s (%s)", o->env, o->key);
    int rc = arcos_opts_set_text(o, base, v, origin, o->env, ARCOS_EUSAGE, d);
    if (rc != ARCOS_OK)
      return rc;
  }
  return ARCOS_OK;
}

static int add_positional(arcos_opts_args_t *args, char *a, arcos_detail_t *d) {
  char **grown = realloc(args->positional, (args->npositional + 1) * sizeof *grown);
  if (grown == NULL)
    return arcos_detail_set(d, ARCOS_ENOMEM, a, 0, "out of memory");
  args->positional = grown;
  args->positional[args->npositional++] = a;
  return ARCOS_OK;
}

/* One option argument at argv[*i]: its flag, its value (the "=" part or the next
 * argument; a boolean takes only the "=" part) and the setting. */
static int parse_one(const arcos_optset_t *set, void *base, int argc, char **argv, int *i,
                     arcos_opts_args_t *args, arcos_detail_t *d) {
  const char *a = argv[*i];
  char name[96];
  snprintf(name, sizeof name, "%s", a + (a[1] == '-' ? 2 : 1));
  const char *value = NULL;
  char *eq = strchr(name, '=');
  if (eq != NULL) {
    *eq = '\0';
    value = strchr(a, '=') + 1;
  }
  const arcos_opt_t *o = find_flag(set, name);
  if (o == NULL)
    return arcos_detail_set(d, ARCOS_EUSAGE, a, 0,
                            "unknown option %s%s (see arcos-scale %s --help)",
                            a[1] == '-' ? "--" : "-", name, set->command);
  char origin[112];
  snprintf(origin, sizeof origin, "%s%s", a[1] == '-' ? "--" : "-", name);
  if (o->kind == ARCOS_OPT_BOOL && value == NULL)
    value = "true";
  if (o->kind == ARCOS_OPT_RETIRED)
    value = "";
  if (value == NULL) {
    if (*i + 1 >= argc)
      return arcos_detail_set(d, ARCOS_EUSAGE, a, 0, "%s needs a value (%s)", origin,
                              o->metavar ? o->metavar : "value");
    value = argv[++*i];
  }
  size_t idx = (size_t)(o - set->opt);
  /* A repeatable option's first flag replaces what a job config or the environment gave. */
  if (o->kind == ARCOS_OPT_STRINGS && !arcos_opts_given(args, idx))
    arcos_strlist_clear((arcos_strlist_t *)((char *)base + o->offset));
  int rc = arcos_opts_set_text(o, base, value, origin, origin, ARCOS_EUSAGE, d);
  if (rc == ARCOS_OK && idx < 256)
    args->given[idx / 64] |= UINT64_C(1) << (idx % 64);
  return rc;
}

int arcos_opts_parse_args(const arcos_optset_t *set, void *base, int argc, char **argv,
                          arcos_opts_args_t *args, arcos_detail_t *d) {
  memset(args, 0, sizeof *args);
  bool only_positional = false;
  for (int i = 1; i < argc; i++) {
    char *a = argv[i];
    if (!only_positional && strcmp(a, "--") == 0) {
      only_positional = true;
      continue;
    }
    int rc;
    if (only_positional || a[0] != '-' || strcmp(a, "-") == 0) {
      if (!set->positional)
        return arcos_detail_set(d, ARCOS_EUSAGE, a, 0,
                                "unexpected argument '%s' (see arcos-scale %s --help)", a,
                                set->command);
      rc = add_positional(args, a, d);
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      args->help = true;
      return ARCOS_OK;
    } else {
      rc = parse_one(set, base, argc, argv, &i, args, d);
    }
    if (rc != ARCOS_OK)
      return rc;
  }
  return ARCOS_OK;
}

void arcos_opts_args_free(arcos_opts_args_t *args) {
  free(args->positional);
  memset(args, 0, sizeof *args);
}

bool arcos_opts_given(const arcos_opts_args_t *args, size_t index) {
  return index < 256 && (args->given[index / 64] >> (index % 64) & 1u) != 0;
}

int arcos_opts_check_required(const arcos_optset_t *set, const arcos_opts_args_t *args,
                              arcos_detail_t *d) {
  char name[96];
  for (size_t i = 0; i < set->n; i++) {
    if ((set->opt[i].flags & ARCOS_OPT_REQUIRED) == 0 || arcos_opts_given(args, i))
      continue;
    arcos_opts_flag_name(&set->opt[i], name, sizeof name);
    return arcos_detail_set(d, ARCOS_EUSAGE, set->command, 0, "--%s %s is required (%s)", name,
                            set->opt[i].metavar ? set->opt[i].metavar : "", set->opt[i].help);
  }
  return ARCOS_OK;
}

/* The default of o as help prints it: the dflt note, else the value in base. */
static void default_text(const arcos_opt_t *o, const void *base, char *out, size_t n) {
  const void *field = (const char *)base + o->offset;
  out[0] = '\0';
  if (o->dflt != NULL) {
    snprintf(out, n, "%s", o->dflt);
    return;
  }
  switch (o->kind) {
  case ARCOS_OPT_BOOL:
    snprintf(out, n, "%s", *(const bool *)field ? "true" : "false");
    break;
  case ARCOS_OPT_I32:
    snprintf(out, n, "%d", *(const int *)field);
    break;
  case ARCOS_OPT_I64:
    snprintf(out, n, "%" PRId64, *(const int64_t *)field);
    break;
  case ARCOS_OPT_U64:
    snprintf(out, n, "%" PRIu64, *(const uint64_t *)field);
    break;
  case ARCOS_OPT_F64:
    snprintf(out, n, "%g", *(const double *)field);
    break;
  case ARCOS_OPT_STRING:
    snprintf(out, n, "%s", *(char *const *)field != NULL ? *(char *const *)field : "");
    break;
  case ARCOS_OPT_ENUM:
    snprintf(out, n, "%s", o->choices[*(const int *)field]);
    break;
  case ARCOS_OPT_STRINGS:
    break;
  case ARCOS_OPT_TIME: {
    char t[32];
    arcos_rfc3339_format(*(const int64_t *)field, t);
    snprintf(out, n, "%s", t);
    break;
  }
  case ARCOS_OPT_RETIRED:
    break;
  }
}

/* Print text from column `col` on, wrapped at word boundaries before column
 * HELP_WIDTH; continuation lines start at column 33 (docs/gen-options.sh joins them). */
#define HELP_WIDTH 96
static void print_wrapped(FILE *out, const char *text, size_t col) {
  const char *p = text;
  while (*p != '\0') {
    size_t room = HELP_WIDTH > col + 20 ? HELP_WIDTH - col : 20;
    if (strlen(p) <= room) {
      fprintf(out, "%s\n", p);
      return;
    }
    size_t cut = room;
    while (cut > 0 && p[cut] != ' ')
      cut--;
    if (cut == 0) /* one long word: break after it */
      for (cut = room; p[cut] != '\0' && p[cut] != ' ';)
        cut++;
    fprintf(out, "%.*s\n", (int)cut, p);
    p += cut;
    while (*p == ' ')
      p++;
    if (*p != '\0')
      fprintf(out, "%33s", "");
    col = 33;
  }
}

void arcos_opts_print_help(const arcos_optset_t *set, const void *base, FILE *out) {
  char name[96], lhs[128], def[96];
  for (size_t i = 0; i < set->n; i++) {
    const arcos_opt_t *o = &set->opt[i];
    if (o->kind == ARCOS_OPT_RETIRED)
      continue;
    arcos_opts_flag_name(o, name, sizeof name);
    snprintf(lhs, sizeof lhs, "--%s%s%s", name, o->metavar ? " " : "",
             o->metavar ? o->metavar : "");
    default_text(o, base, def, sizeof def);
    /* Booleans that are off and required options have no default worth a word. */
    bool show = def[0] != '\0' && (o->flags & ARCOS_OPT_REQUIRED) == 0 &&
                !(o->kind == ARCOS_OPT_BOOL && o->dflt == NULL && strcmp(def, "false") == 0);
    char text[1024];
    snprintf(text, sizeof text, "%s%s%s%s%s%s", o->help, show ? " (default " : "", show ? def : "",
             show ? ")" : "", o->env ? "; env " : "", o->env ? o->env : "");
    fprintf(out, "  %-30s ", lhs);
    print_wrapped(out, text, strlen(lhs) > 30 ? 3 + strlen(lhs) : 33);
  }
}

json_t *arcos_opts_to_json(const arcos_opt_t *o, const void *base) {
  const void *field = (const char *)base + o->offset;
  switch (o->kind) {
  case ARCOS_OPT_BOOL:
    return json_boolean(*(const bool *)field);
  case ARCOS_OPT_I32:
    return json_integer(*(const int *)field);
  case ARCOS_OPT_I64:
    return json_integer(*(const int64_t *)field);
  case ARCOS_OPT_TIME: {
    char t[32];
    arcos_rfc3339_format(*(const int64_t *)field, t);
    return json_string(t);
  }
  case ARCOS_OPT_U64:
    return json_integer((json_int_t) * (const uint64_t *)field);
  case ARCOS_OPT_F64:
    return json_real(*(const double *)field);
  case ARCOS_OPT_STRING:
    return *(char *const *)field != NULL ? json_string(*(char *const *)field) : json_null();
  case ARCOS_OPT_ENUM:
    return json_string(o->choices[*(const int *)field]);
  case ARCOS_OPT_STRINGS: {
    const arcos_strlist_t *l = field;
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
      json_array_append_new(a, arcos_jsonw_string(l->v[i], strlen(l->v[i])));
    return a;
  }
  case ARCOS_OPT_RETIRED:
    break;
  }
  return NULL;
}

void arcos_strlist_clear(arcos_strlist_t *l) {
  for (size_t i = 0; i < l->n; i++)
    free(l->v[i]);
  free(l->v);
  l->v = NULL;
  l->n = 0;
}

void arcos_opts_free_strings(const arcos_optset_t *set, void *base) {
  for (size_t i = 0; i < set->n; i++) {
    if (set->opt[i].kind == ARCOS_OPT_STRINGS)
      arcos_strlist_clear((arcos_strlist_t *)((char *)base + set->opt[i].offset));
    if (set->opt[i].kind != ARCOS_OPT_STRING)
      continue;
    char **field = (char **)((char *)base + set->opt[i].offset);
    free(*field);
    *field = NULL;
  }
}
