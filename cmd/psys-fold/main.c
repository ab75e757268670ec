/* psys-fold: reads .psys captures and writes folded stacks for psys-svg
 * (or any flame graph tool), with "# key: value" metadata lines first; or
 * a differential fold against a base, speedscope JSON or pprof. Runs offline:
 * needs no BPF, no privileges, not the machine of the capture. The work is
 * lib/fold's (foldrun.h); this file takes the options and maps the outcome
 * to an exit status. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cli.h"
#include "base/idlist.h"
#include "fold/fold.h"
#include "fold/foldrun.h"

#define PROG "psys-fold"

enum { OPT_IDLE = 256, OPT_USER, OPT_NO_COMM, OPT_INFO, OPT_FORCE, OPT_FROM,
       OPT_TO, OPT_PER_HOST, OPT_PER_CPU, OPT_PER_PID, OPT_ANNOTATE, OPT_ROOT_FRAMES,
       OPT_NO_META, OPT_NO_TIMELINE, OPT_TIME_ORDER, OPT_CGROUP, OPT_PER_CGROUP,
       OPT_PER_CONTAINER, OPT_PER_SERVICE };

/* The options, in the order --help shows them: a section of the help
 * ends after each entry named in SECTIONS. */
static const struct cli_opt OPTS[] = {
	{ "idle", OPT_IDLE, NULL, "also fold the idle task's samples (pid 0); recorded\n"
	  "without psys-record --idle-stacks they have no stack\n"
	  "and fold as the process name alone (swapper/N)" },
	{ "user", OPT_USER, NULL, "also fold user-mode samples, as one [user] frame" },
	{ "no-comm", OPT_NO_COMM, NULL, "no process-name frame at the root" },
	{ "addrs", 'a', NULL, "+0xOFFSET on frames, addresses of [unknown] frames" },
	{ "annotate", OPT_ANNOTATE, NULL, "suffix kernel frames with _[k] (psys-svg and\n"
	  "flamegraph.pl colour them apart from user frames)" },
#define SECTION_FOLD 5
	{ "kallsyms", 'k', "FILE", "name addresses with a saved copy of /proc/kallsyms\n"
	  "(plain, gzip or zstd)" },
	{ "vmlinux", 'e', "FILE", "name addresses with an ELF image's symbol table" },
	{ "force", OPT_FORCE, NULL, "use a symbol source even if the capture's reference\n"
	  "symbols say it is from another kernel" },
#define SECTION_SYMBOLS 8
	{ "cpu", 'C', "LIST", "only these CPUs (\"0-3,7\")" },
	{ "pid", 'p', "LIST", "only these process ids" },
	{ "tid", 't', "LIST", "only these thread ids" },
	{ "comm", 'c', "REGEX", "only process names matching REGEX (POSIX extended)" },
	{ "cgroup", OPT_CGROUP, "REGEX", "only samples whose cgroup path matches REGEX\n"
	  "(\"/libpod_parent/libpod-ID\", \"/system.slice/x.service\";\n"
	  "\"cgroup id N\" when it could not be named)" },
	{ "from", OPT_FROM, "TIME", "only samples at or after TIME" },
	{ "to", OPT_TO, "TIME", "only samples before TIME (after --from, or exit 2;\n"
	  "a range with no sample of a capture is warned of)" },
#define SECTION_SLICE 15
	{ "per-host", OPT_PER_HOST, NULL, "the capture's host name" },
	{ "per-cpu", OPT_PER_CPU, NULL, "\"cpu N\" (speedscope: one profile per CPU instead)" },
	{ "per-pid", OPT_PER_PID, NULL, "\"pid N\"" },
	{ "per-container", OPT_PER_CONTAINER, NULL, "\"container ID12\" (docker, containerd, CRI-O,\n"
	  "podman, Kubernetes), or \"[no container]\"" },
	{ "per-service", OPT_PER_SERVICE, NULL, "\"service NAME\" (the systemd unit), or \"[no service]\"" },
	{ "per-cgroup", OPT_PER_CGROUP, NULL, "\"cgroup PATH\" (\"cgroup id N\" when unnamed)" },
#define SECTION_GROUP 21
	{ "diff", 'd', "BASE", "differential: \"stack BASE_COUNT COUNT\" lines, BASE\n"
	  "(a .psys or folded text) against the FILEs (which may\n"
	  "also be folded text), as flamegraph.pl's difffolded" },
	{ "no-timeline", OPT_NO_TIMELINE, NULL, "leave out the timeline: folded output of one\n"
	  "capture ends in \"# timeline\" lines giving each sample's\n"
	  "time, CPU and line, which psys-svg draws over time\n"
	  "(other tools ignore them)" },
	{ "format", 'F', "FMT", "folded (default); speedscope (speedscope.app JSON:\n"
	  "samples in time order weighing 1/freq s each, in\n"
	  "nanoseconds); or pprof (gzipped protobuf for go tool\n"
	  "pprof, Pyroscope, Parca; not to a terminal): comm,\n"
	  "pid, tid, cpu and host are sample labels, not frames,\n"
	  "and kernel frames are in a [kernel.kallsyms] mapping" },
	{ "time-order", OPT_TIME_ORDER, NULL, "folded lines in time order, for flame charts\n"
	  "(flamegraph.pl --flamechart, psys-svg --flamechart):\n"
	  "CPU after CPU under \"cpu N\" frames (implies\n"
	  "--per-cpu), one line per run of a CPU's consecutive\n"
	  "samples with one stack; no timeline" },
	{ "root-frames", OPT_ROOT_FRAMES, NULL, "pprof: keep the comm root frame as well" },
	{ "no-meta", OPT_NO_META, NULL, "leave out the \"# key: value\" metadata lines and the\n"
	  "timeline (for tools that warn about them:\n"
	  "flamegraph.pl, difffolded.pl)" },
	{ "info", OPT_INFO, NULL, "print each file's header, trailer and read counts\n"
	  "as JSON instead of folding" },
	{ "help", 'h', NULL, "this text" },
	{ "version", 'V', NULL, "the version" },
	{ 0 },
};

/* Help for OPTS[FROM..TO): cli_help over a copy ended where it ends. */
static void help_section(FILE *f, size_t from, size_t to)
{
	struct cli_opt part[sizeof(OPTS) / sizeof(OPTS[0])] = { { 0 } };

	memcpy(part, OPTS + from, (to - from) * sizeof(*part));
	cli_help(f, part);
}

static void usage(FILE *f)
{
	fputs(
"usage: " PROG " [options] [FILE.psys...]\n"
"Fold the kernel stacks of .psys captures into folded-stack lines,\n"
"\"comm;root;...;leaf COUNT\", sorted, after \"# key: value\" metadata.\n"
"Several files fold into one output, their counts added. With no FILE,\n"
"or -, reads standard input (unless it is a terminal).\n"
"\n"
"By default only samples that count as sys time are folded: kernel mode,\n"
"not the idle task.\n", f);
	help_section(f, 0, SECTION_FOLD);
	fputs(
"\n"
"Captures made with psys-record --user-stacks fold as\n"
"comm;user frames;kernel frames (user frames were named when recorded).\n"
"\n"
"Symbols (default: those embedded in each file):\n", f);
	help_section(f, SECTION_FOLD, SECTION_SYMBOLS);
	fputs(
"  The source is checked against the reference symbols in each capture's\n"
"  header: the same addresses mean the same boot (or build); all moved by\n"
"  one offset mean the same build after KASLR moved it: core-kernel\n"
"  addresses are then rebased (a note says so) and module addresses are\n"
"  named only where a module symbol is at the very address. Anything else\n"
"  is another kernel: refused without --force.\n"
"\n"
"Slicing (combinable; a sample must pass all):\n", f);
	help_section(f, SECTION_SYMBOLS, SECTION_SLICE);
	fputs(
"  TIME is seconds from the capture start (\"2.5\"), a local time of day\n"
"  (\"10:15:04\", \"10:15:04.25\"), or an ISO 8601 date and time\n"
"  (\"2026-11-26T10:15:04\", local; or with Z or +01:00).\n"
"\n"
"Grouping (root frames, in this order):\n", f);
	help_section(f, SECTION_SLICE, SECTION_GROUP);
	fputs("\nOutput:\n", f);
	help_section(f, SECTION_GROUP, sizeof(OPTS) / sizeof(OPTS[0]) - 1);
	fputs(
"\n"
"Frames are \"function\" in the core kernel, \"function [module]\" in\n"
"modules (BPF programs: \"bpf_prog_TAG_NAME [bpf]\"; trampolines as kallsyms\n"
"names them), \"" FOLD_PAST_ETEXT "\" for an address in the kernel image past\n"
"the end of its text, \"[unknown]\" where nothing covers the address.\n"
"\n"
"With several files and standard error a terminal, a progress line shows\n"
"how many are done.\n"
"\n"
"Output is valid UTF-8: bytes that are not (in process or symbol names)\n"
"become U+FFFD, control characters '?', and ';' in a name ':'.\n"
"\n"
"Exit status: 0 success; 1 failure (e.g. not a .psys file, symbols from\n"
"another kernel); 2 usage error; 3 a file was truncated or damaged: what\n"
"was intact was folded, and a warning says what was lost. A reader that\n"
"goes away (| head) ends it silently, by SIGPIPE (status 141 in a shell).\n", f);
}

/* An id list for -C, -p or -t into L, replacing an earlier one. */
static int parse_ids(struct slice *sl, struct idlist *l, const char *opt, uint32_t max,
		     const char *val)
{
	char why[64];
	int err;

	idlist_free(l);
	if ((err = idlist_parse(val, max, l)))
		return cli_bad(PROG, max == IDLIST_MAX_CPU ? "cpu list" : "id list", val,
			       idlist_want(err, max, why, sizeof(why)));
	slice_note(sl, opt, val);
	return 0;
}

static int parse_opt(int key, const char *val, void *ctx)
{
	struct foldrun_opts *o = ctx;
	struct slice *sl = &o->slice;
	char why[256];
	int err;

	switch (key) {
	case OPT_IDLE: o->fo.idle = 1; break;
	case OPT_USER: o->fo.user = 1; break;
	case OPT_NO_COMM: o->fo.no_comm = 1; break;
	case 'a': o->fo.addrs = 1; break;
	case OPT_ANNOTATE: o->fo.annotate = 1; break;
	case 'k': o->kallsyms = val; break;
	case 'e': o->vmlinux = val; break;
	case OPT_FORCE: o->force = 1; break;
	case 'C': return parse_ids(sl, &sl->cpus, "--cpu", IDLIST_MAX_CPU, val);
	case 'p': return parse_ids(sl, &sl->pids, "--pid", IDLIST_MAX_PID, val);
	case 't': return parse_ids(sl, &sl->tids, "--tid", IDLIST_MAX_PID, val);
	case 'c':
		if ((err = slice_set_comm(sl, val, why, sizeof(why)))) {
			fprintf(stderr, PROG ": bad --comm regex '%s': %s\n" CLI_TRY(PROG), val,
				err == -ENOMEM ? strerror(ENOMEM) : why);
			return CLI_USAGE;
		}
		slice_note(sl, "--comm", val);
		break;
	case OPT_CGROUP:
		if ((err = slice_set_cgroup(sl, val, why, sizeof(why)))) {
			fprintf(stderr, PROG ": bad --cgroup regex '%s': %s\n" CLI_TRY(PROG), val,
				err == -ENOMEM ? strerror(ENOMEM) : why);
			return CLI_USAGE;
		}
		slice_note(sl, "--cgroup", val);
		break;
	case OPT_FROM:
	case OPT_TO:
		if (slice_set_time(sl, key == OPT_TO, val))
			return cli_bad(PROG, key == OPT_TO ? "--to time" : "--from time", val,
				       "seconds from the start, HH:MM:SS, or an ISO 8601 "
				       "date and time");
		break;
	case OPT_PER_HOST: o->per_host = 1; break;
	case OPT_PER_CPU: o->fo.per_cpu = 1; break;
	case OPT_PER_PID: o->fo.per_pid = 1; break;
	case OPT_PER_CONTAINER: o->fo.per_container = 1; break;
	case OPT_PER_SERVICE: o->fo.per_service = 1; break;
	case OPT_PER_CGROUP: o->fo.per_cgroup = 1; break;
	case 'd': o->diff = val; break;
	case 'F':
		if (strcmp(val, "speedscope") == 0) {
			o->format = FOLDRUN_SPEEDSCOPE;
		} else if (strcmp(val, "pprof") == 0) {
			o->format = FOLDRUN_PPROF;
		} else if (strcmp(val, "folded") == 0) {
			o->format = FOLDRUN_FOLDED;
		} else {
			fprintf(stderr, PROG ": unknown --format '%s' (folded, speedscope or "
				"pprof)\n" CLI_TRY(PROG), val);
			return CLI_USAGE;
		}
		break;
	case OPT_INFO: o->info = 1; break;
	case OPT_ROOT_FRAMES: o->root_frames = 1; break;
	case OPT_NO_META: o->no_meta = 1; break;
	case OPT_NO_TIMELINE: o->no_timeline = 1; break;
	case OPT_TIME_ORDER: o->time_order = 1; break;
	case 'h': usage(stdout); return CLI_DONE;
	case 'V': printf(PROG " %s\n", PSYS_VERSION); return CLI_DONE;
	}
	return 0;
}

/* A usage error that no single option makes: MSG and the try-help line. */
static int misuse(const char *msg, const char *arg)
{
	fprintf(stderr, PROG ": ");
	fprintf(stderr, msg, arg);
	fputs("\n" CLI_TRY(PROG), stderr);
	return CLI_USAGE;
}

/* The options that exclude each other, and what the input and output can
 * take (NFILES files named). Returns 0 or CLI_USAGE (said). */
static int check_opts(const struct foldrun_opts *o, int nfiles)
{
	const struct slice *sl = &o->slice;

	/* Times of one kind compare before any file is read. */
	if (sl->from.kind != SLICE_TIME_NONE && sl->from.kind == sl->to.kind &&
	    sl->from.ns >= sl->to.ns) {
		fprintf(stderr, PROG ": --to %s is not after --from %s\n", sl->to_text,
			sl->from_text);
		return CLI_USAGE;
	}
	/* No file: standard input, as a filter, unless it is a terminal,
	 * where nobody types a capture. */
	if (!nfiles && isatty(STDIN_FILENO))
		return misuse("no input: give FILE.psys, or a pipe or a file on standard "
			      "input", NULL);
	if (o->kallsyms && o->vmlinux)
		return misuse("--kallsyms and --vmlinux exclude each other", NULL);
	if (o->diff && o->format != FOLDRUN_FOLDED)
		return misuse("--diff writes folded text only, not %s",
			      o->format == FOLDRUN_PPROF ? "pprof" : "speedscope");
	if (o->info && (o->diff || o->format != FOLDRUN_FOLDED))
		return misuse("--info does not fold: no --diff or --format", NULL);
	if (o->root_frames && o->format != FOLDRUN_PPROF)
		return misuse("--root-frames is for --format pprof (other formats always "
			      "have them)", NULL);
	/* Compressed protobuf on a terminal is garbage on the screen. */
	if (o->format == FOLDRUN_PPROF && isatty(STDOUT_FILENO))
		return misuse("--format pprof writes binary data: redirect standard output "
			      "to a file", NULL);
	if (o->time_order && (o->diff || o->format != FOLDRUN_FOLDED))
		return misuse("--time-order is for folded output: no --diff or --format", NULL);
	return 0;
}

static void say(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, PROG ": %s\n", msg);
}

/* A progress line on a terminal's standard error for folds of many files,
 * "psys-fold: [3/10] PATH", written before each file and ended with \r,
 * not \n: a message about that file starts with the same "psys-fold: ",
 * names the same path and says more, so it overwrites the line whole
 * instead of being glued to it. The last line is erased. */
static void progress_show(int on, int done, int total, const char *path)
{
	if (!on)
		return;
	if (done < total)
		fprintf(stderr, "\033[K" PROG ": [%d/%d] %s\r", done + 1, total, path);
	else
		fputs("\033[K", stderr);
	fflush(stderr);
}

int main(int argc, char **argv)
{
	struct foldrun_opts o = { .exporter = PROG " " PSYS_VERSION };
	const struct diag d = { say, NULL };
	const struct foldrun_status *st;
	struct foldrun *run = NULL;
	char *stdin_only[] = { "-", NULL };
	int first, progress, rc;

	rc = cli_parse(argc, argv, PROG, OPTS, parse_opt, &o, &first);
	if (rc == CLI_DONE) {
		rc = CLI_OK;
		goto out;
	}
	if (rc || (rc = check_opts(&o, argc - first)))
		goto out;
	/* A reader that goes away (| head) ends us silently, as any filter. */
	cli_default_sigpipe();
	if (first == argc) {
		argv = stdin_only;
		argc = 1;
		first = 0;
	}
	o.nfiles = argc - first;
	rc = CLI_FAIL;
	if (foldrun_new(&o, stdout, &d, &run))
		goto out;
	st = foldrun_status(run);
	progress = o.nfiles > 1 && isatty(STDERR_FILENO);
	for (int i = first; i < argc && !(o.diff && st->failed); i++) {
		progress_show(progress, i - first, o.nfiles, argv[i]);
		foldrun_add(run, argv[i]);
	}
	progress_show(progress, o.nfiles, o.nfiles, NULL);
	foldrun_write(run);
	if (fflush(stdout) || ferror(stdout) || fclose(stdout)) {
		fprintf(stderr, PROG ": cannot write to standard output: %s\n", strerror(errno));
		goto out;
	}
	rc = st->usage ? CLI_USAGE : st->failed ? CLI_FAIL : st->damaged ? CLI_DAMAGED : CLI_OK;
out:
	foldrun_free(run);
	slice_free(&o.slice);
	return rc;
}
