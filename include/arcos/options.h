/* One option parser for every command (issue #13). A command describes its options
 * in a table of arcos_opt_t: the option's key (the job-config key for `run`; the flag
 * is the key with '-' for '_' and '.'), its type and range, where its value lives in
 * the command's options struct, its environment variable and its help line. The parser
 * reads flags (--name VALUE, --name=VALUE, a bare --name for a boolean), environment
 * variables and job-config JSON through the same conversion, so a value means the same
 * wherever it comes from and a bad one is named the way the user wrote it.
 *
 * Defaults are written once, in the code that initialises the options struct: the help
 * text prints each option's value as found in the struct before parsing (or the
 * option's `dflt` note where the value is a sentinel such as 0 for "automatic"). */
#ifndef ARCOS_OPTIONS_H
#define ARCOS_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "arcos/error.h"

typedef enum {
  ARCOS_OPT_BOOL,    /* bool; a bare flag sets true, --flag=false clears it */
  ARCOS_OPT_I32,     /* int in [min, max] */
  ARCOS_OPT_I64,     /* int64_t in [min, max] */
  ARCOS_OPT_U64,     /* uint64_t in [min, max] (no sign accepted) */
  ARCOS_OPT_F64,     /* finite double in [min, max] */
  ARCOS_OPT_STRING,  /* char * (malloc'd; the old value is freed), not empty */
  ARCOS_OPT_ENUM,    /* int: the index of the value in choices */
  ARCOS_OPT_TIME,    /* int64_t epoch seconds: RFC 3339 or an integer */
  ARCOS_OPT_STRINGS, /* arcos_strlist_t, repeatable: each flag adds one string (not empty);
                      * the first flag replaces the list a job config gave (a JSON array
                      * of strings, or one string) */
  ARCOS_OPT_RETIRED, /* accepted by no command: `help` says what replaced it */
} arcos_opt_kind_t;

/* The value of an ARCOS_OPT_STRINGS option: malloc'd strings in the order given. */
typedef struct {
  char **v;
  size_t n;
} arcos_strlist_t;

/* Flags of an option. */
#define ARCOS_OPT_FLAG_ONLY 1u /* not a job-config key (run's --config) */
#define ARCOS_OPT_REQUIRED 2u  /* the command refuses to run without it */

typedef struct {
  const char *key; /* "scoring.alert_threshold"; flag --scoring-alert-threshold */
  arcos_opt_kind_t kind;
  size_t offset; /* of the value in the options struct */
  double min, max;
  const char *const *choices; /* ARCOS_OPT_ENUM: NULL-terminated */
  const char *env;            /* environment variable, or NULL */
  const char *metavar;        /* "N", "FILE"; NULL for booleans */
  const char *help;           /* one line; ARCOS_OPT_RETIRED: what to use instead */
  const char *dflt;           /* help's default when the value is a sentinel, or NULL;
                               * "" shows none */
  unsigned flags;             /* ARCOS_OPT_* above */
} arcos_opt_t;

/* A command's options. */
typedef struct arcos_optset {
  const char *command;    /* "run": messages say "see arcos-scale run --help" */
  const arcos_opt_t *opt; /* the table */
  size_t n;
  const char *const *aliases; /* pairs {alias flag, key}, NULL-terminated; "o" is -o */
  bool positional;            /* arguments that are not options are inputs */
} arcos_optset_t;

/* What arcos_opts_parse_args found besides the values. */
typedef struct {
  bool help;          /* --help or -h: nothing after it was parsed */
  char **positional;  /* borrowed from argv (malloc'd array), in order */
  size_t npositional; /* arguments after "--" are positional too */
  uint64_t given[4];  /* bit i: option i was set by a flag */
} arcos_opts_args_t;

/* The option whose key is `key`, or NULL. */
const arcos_opt_t *arcos_opts_find_key(const arcos_optset_t *set, const char *key);
/* The flag of o without the dashes ("scoring-alert-threshold"). */
void arcos_opts_flag_name(const arcos_opt_t *o, char *out, size_t n);

/* Set o's value in base from text. `origin` names where the text came from, the way
 * the user wrote it ("--batch-size", "ARCOS_BATCH_SIZE", "key batch_size"), and starts
 * the message of a bad value; errcode is what a bad value returns (ARCOS_EUSAGE for
 * flags and the environment, ARCOS_ECONFIG for a job config) and `source` goes to
 * detail->source. */
int arcos_opts_set_text(const arcos_opt_t *o, void *base, const char *text, const char *origin,
                        const char *source, int errcode, arcos_detail_t *d);
/* The same from a JSON value of a job config (path for the message). */
int arcos_opts_set_json(const arcos_opt_t *o, void *base, json_t *v, const char *path,
                        arcos_detail_t *d);
/* Apply every option's environment variable that is set and not empty. */
int arcos_opts_apply_env(const arcos_optset_t *set, void *base, arcos_detail_t *d);
/* Parse argv[1..argc) (argv[0] is the command). On success *args holds the help flag
 * and the positional arguments (free with arcos_opts_args_free). Errors are
 * ARCOS_EUSAGE with a message naming the flag, or ARCOS_ENOMEM. Required options are
 * not checked here: see arcos_opts_check_required. */
int arcos_opts_parse_args(const arcos_optset_t *set, void *base, int argc, char **argv,
                          arcos_opts_args_t *args, arcos_detail_t *d);
void arcos_opts_args_free(arcos_opts_args_t *args);
bool arcos_opts_given(const arcos_opts_args_t *args, size_t index);
/* ARCOS_EUSAGE naming the first ARCOS_OPT_REQUIRED option no flag gave. */
int arcos_opts_check_required(const arcos_optset_t *set, const arcos_opts_args_t *args,
                              arcos_detail_t *d);

/* Print one line per option: "  --flag METAVAR   help (default D); env VAR", the
 * default read from base (the struct as initialised) unless the option has a dflt
 * note. Retired options are left out. */
void arcos_opts_print_help(const arcos_optset_t *set, const void *base, FILE *out);
/* The value of o in base as JSON (new reference; NULL for a retired option). */
json_t *arcos_opts_to_json(const arcos_opt_t *o, const void *base);
/* Free the strings of a list and empty it. */
void arcos_strlist_clear(arcos_strlist_t *l);
/* Free every ARCOS_OPT_STRING value of base and set it to NULL (and empty every
 * ARCOS_OPT_STRINGS list). */
void arcos_opts_free_strings(const arcos_optset_t *set, void *base);

#endif
