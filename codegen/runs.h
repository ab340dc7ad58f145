/* Run records: the output of a whole check, kept with what its analysis
 * learnt from the file system, so that the same check of the same inputs
 * prints it again without loading a file.
 *
 * The cache of per-file facts (cache.h) still leaves a warm run to decode
 * every file's facts and redo the project's analysis, because findings
 * depend on other files and on the configuration.  A record is keyed by
 * everything a run starts from: the tool's build (the records live in
 * the cache directory of that build), the arguments, the working
 * directory, and the files the walk found, in order.  It holds every
 * answer the run's file-system primitives got (util.h: the stat() of
 * each file read or taken from the cache, what was looked for and not
 * found, what realpath() said, the configuration files), and the output
 * and exit status.  A later run with the same key asks the file system
 * each question again; only if every answer is the same does it print the
 * record's output.  Anything else (a file edited, touched, renamed,
 * deleted or added where the analysis looked, a configuration edited)
 * makes it a normal run, which writes a new record.
 *
 * A run that warned, failed or whose output went partly to stderr keeps
 * no record, and neither does a run that read a file modified in the two
 * seconds before it started: a second edit within the timestamps'
 * granularity would not show in its stat() (git's "racily clean" rule,
 * as in cache.c). */
#ifndef GEN_RUNS_H
#define GEN_RUNS_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "cache.h"
#include "util.h"

/* Where the records of the cache at `root` live. */
char *
gen_runs_dir(const char *root);

/* If the record for key in dir holds (each of its probes is answered as
 * it was), write its output to out, set *status and *nfiles (how many
 * files its run loaded) and return 1; else return 0.  Never fails: an
 * unreadable or damaged record is a miss. */
int
gen_runs_replay(const char *dir, struct gen_digest key, FILE *out, int *status,
                size_t *nfiles);

/* Parse the record data[0:n] for key, asking holds(probe, arg) of each
 * probe in turn.  Returns 1 if every probe holds (then *out, *outlen point
 * at its output, in data, and *status, *nfiles are set), 0 at the first
 * that does not, -1 if the record is damaged, foreign or not for key. */
int
gen_runs_read(const char *data, size_t n, struct gen_digest key,
              int (*holds)(const struct gen_probe *pr, void *arg), void *arg,
              const char **out, size_t *outlen, int *status, size_t *nfiles);

/* Keep the record of a run that started at `started`: its probes, its
 * output out[0:len], its exit status and how many files it loaded.
 * Writes nothing if a probe's file was modified within two seconds
 * before the start; keeps the 32 newest records of dir. */
void
gen_runs_save(const char *dir, struct gen_digest key,
              const struct gen_probe *probes, size_t nprobes, const char *out,
              size_t len, int status, size_t nfiles, time_t started);

#endif /* GEN_RUNS_H */
