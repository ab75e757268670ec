/* closedpipe: runs a command whose standard output is a pipe nobody will
 * ever read (its read end closed before the command starts), with SIGPIPE
 * at its default action as in a shell pipeline: the deterministic form of
 * "cmd | head -c 1" for tests of write errors. Exits with the command's
 * status as a shell reports it (128 + signal when it was killed).
 *
 *   closedpipe COMMAND [ARG]... */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int p[2], status;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: closedpipe COMMAND [ARG]...\n");
		return 2;
	}
	if (pipe(p) < 0) {
		perror("closedpipe: pipe");
		return 1;
	}
	close(p[0]);
	pid = fork();
	if (pid < 0) {
		perror("closedpipe: fork");
		return 1;
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		if (dup2(p[1], STDOUT_FILENO) < 0)
			_exit(126);
		close(p[1]);
		execvp(argv[1], argv + 1);
		fprintf(stderr, "closedpipe: cannot run '%s': %s\n", argv[1], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			perror("closedpipe: waitpid");
			return 1;
		}
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}
