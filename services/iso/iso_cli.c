/*
 * `pxestick iso info|ls|cat|extract`: the ISO reader from the shell.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/util.h"
#include "iso/iso.h"
#include "iso/iso_cli.h"

#define EXIT_NOTFOUND 1
#define EXIT_BAD      2

static const char iso_usage[] =
    "usage: pxestick iso info ISO\n"
    "       pxestick iso ls [-R] ISO [PATH]\n"
    "       pxestick iso cat ISO PATH\n"
    "       pxestick iso extract ISO DIR\n"
    "\n"
    "Read an ISO 9660 image (Rock Ridge, Joliet, El Torito) without mounting it.\n"
    "  info     volume id, label, UUID (as blkid), dates, extensions, boot catalog\n"
    "  ls       one line per entry: mode, size, mtime (UTC), path [-> target]\n"
    "  cat      write a file's bytes to standard output (symlinks followed)\n"
    "  extract  write every file, directory and symlink below DIR\n"
    "Exit status: 0 ok, 1 path not found, 2 bad image or usage.\n";

static int
usage_error(const char *msg)
{
	if (msg != NULL)
		fprintf(stderr, "pxestick iso: %s\n", msg);
	fputs(iso_usage, stderr);
	return EXIT_BAD;
}

static struct iso_image *
open_or_complain(const char *path)
{
	char err[512];
	struct iso_image *img = iso_open(path, err, sizeof(err));

	if (img == NULL)
		fprintf(stderr, "pxestick iso: %s\n", err);
	return img;
}

/* Paths are printed raw (UTF-8 intact) except control bytes and '\\'. */
static void
print_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f || c == '\\')
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

static void
format_time(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, size, "%lld", (long long)t);
}

static void
format_mode(uint32_t mode, char out[11])
{
	static const char rwx[] = "rwxrwxrwx";

	switch (mode & S_IFMT) {
	case S_IFDIR: out[0] = 'd'; break;
	case S_IFLNK: out[0] = 'l'; break;
	case S_IFCHR: out[0] = 'c'; break;
	case S_IFBLK: out[0] = 'b'; break;
	case S_IFIFO: out[0] = 'p'; break;
	case S_IFSOCK: out[0] = 's'; break;
	default: out[0] = '-'; break;
	}
	for (int i = 0; i < 9; i++)
		out[1 + i] = (mode & (0400u >> i)) ? rwx[i] : '-';
	if (mode & S_ISUID) out[3] = (mode & 0100) ? 's' : 'S';
	if (mode & S_ISGID) out[6] = (mode & 0010) ? 's' : 'S';
	if (mode & S_ISVTX) out[9] = (mode & 0001) ? 't' : 'T';
	out[10] = '\0';
}

static void
print_date(const char *label, const struct iso_date *d)
{
	char buf[32];

	if (!d->valid) {
		printf("%-14s-\n", label);
		return;
	}
	format_time(d->utc, buf, sizeof(buf));
	printf("%-14s%s UTC\n", label, buf);
}

static const char *
platform_name(unsigned p)
{
	switch (p) {
	case ISO_BOOT_PLATFORM_X86: return "x86 BIOS";
	case ISO_BOOT_PLATFORM_PPC: return "PowerPC";
	case ISO_BOOT_PLATFORM_MAC: return "Mac";
	case ISO_BOOT_PLATFORM_EFI: return "UEFI";
	default: return "unknown";
	}
}

static const char *
emulation_name(unsigned e)
{
	static const char *names[] = { "none", "1.2M floppy", "1.44M floppy",
	    "2.88M floppy", "hard disk" };

	return e < ARRAY_LEN(names) ? names[e] : "unknown";
}

static int
cmd_info(int argc, char **argv)
{
	const struct iso_volume *v;
	struct iso_image *img;

	if (argc != 2)
		return usage_error("info takes one ISO");
	img = open_or_complain(argv[1]);
	if (img == NULL)
		return EXIT_BAD;
	v = iso_volume(img);
	printf("%-14s%s\n", "image:", argv[1]);
	printf("%-14s%s\n", "volume id:", v->volume_id);
	printf("%-14s%s\n", "label:", v->label);
	printf("%-14s%s\n", "uuid:", v->uuid[0] ? v->uuid : "-");
	printf("%-14s%s\n", "system id:", v->system_id);
	printf("%-14s%s\n", "volume set:", v->volume_set_id);
	printf("%-14s%s\n", "publisher:", v->publisher);
	printf("%-14s%s\n", "preparer:", v->preparer);
	printf("%-14s%s\n", "application:", v->application);
	print_date("created:", &v->created);
	print_date("modified:", &v->modified);
	print_date("expires:", &v->expires);
	print_date("effective:", &v->effective);
	printf("%-14s%u blocks of %u bytes\n", "size:", v->volume_blocks, v->block_size);
	printf("%-14s%s%s%s\n", "extensions:",
	    v->extensions & ISO_EXT_ROCKRIDGE ? "rockridge " : "",
	    v->extensions & ISO_EXT_JOLIET ? "joliet " : "",
	    v->extensions ? "" : "none");
	printf("%-14s%s\n", "names:", v->names == ISO_EXT_ROCKRIDGE ? "rockridge" :
	    v->names == ISO_EXT_JOLIET ? "joliet" : "iso9660");
	printf("%-14s%u\n", "entries:", iso_node_count(img) - 1);
	if (!v->has_eltorito) {
		printf("%-14s%s\n", "el torito:", "no");
	} else {
		printf("%-14scatalog at sector %u%s%s\n", "el torito:", v->boot_catalog_lba,
		    v->boot_error[0] ? ": " : "", v->boot_error);
		for (size_t i = 0; i < v->n_boot; i++) {
			const struct iso_boot_entry *b = &v->boot[i];

			printf("  boot %zu: platform %s (0x%02x), emulation %s, load %u "
			    "sectors at block %u%s\n", i + 1, platform_name(b->platform),
			    b->platform, emulation_name(b->emulation), b->sector_count,
			    b->load_rba, b->bootable ? ", bootable" : "");
		}
	}
	iso_close(img);
	return 0;
}

static void
ls_one(const struct iso_image *img, uint32_t id)
{
	char path[ISO_MAX_PATH * 2], mode[11], when[32];
	struct iso_stat st;

	iso_stat(img, id, &st);
	if (iso_path(img, id, path, sizeof(path)) >= sizeof(path))
		snprintf(path, sizeof(path), "(path too long)");
	format_mode(st.mode, mode);
	format_time(st.mtime, when, sizeof(when));
	printf("%s %12llu %s ", mode, (unsigned long long)st.size, when);
	print_escaped(stdout, path);
	if (st.link != NULL) {
		fputs(" -> ", stdout);
		print_escaped(stdout, st.link);
	}
	putchar('\n');
}

static void
ls_dir(const struct iso_image *img, uint32_t dir, int recursive)
{
	uint32_t first, n = iso_children(img, dir, &first);

	/* Depth is bounded by ISO_MAX_DEPTH, so recursion is too. */
	for (uint32_t i = 0; i < n; i++) {
		struct iso_stat st;

		ls_one(img, first + i);
		iso_stat(img, first + i, &st);
		if (recursive && S_ISDIR(st.mode))
			ls_dir(img, first + i, recursive);
	}
}

static int
lookup_or_complain(const struct iso_image *img, const char *path, unsigned flags,
    uint32_t *id)
{
	int rc = iso_lookup(img, path, strlen(path), flags, id);

	if (rc != ISO_OK) {
		fprintf(stderr, "pxestick iso: %s: ", iso_name(img));
		print_escaped(stderr, path);
		fprintf(stderr, ": %s\n", iso_strerror(rc));
		return rc == ISO_ENOENT || rc == ISO_ENOTDIR ? EXIT_NOTFOUND : EXIT_BAD;
	}
	return 0;
}

static int
cmd_ls(int argc, char **argv)
{
	struct iso_image *img;
	struct iso_stat st;
	int recursive = 0, rc;
	uint32_t id;

	if (argc > 1 && strcmp(argv[1], "-R") == 0) {
		recursive = 1;
		argc--;
		argv++;
	}
	if (argc < 2 || argc > 3)
		return usage_error("ls takes an ISO and an optional path");
	img = open_or_complain(argv[1]);
	if (img == NULL)
		return EXIT_BAD;
	rc = lookup_or_complain(img, argc == 3 ? argv[2] : "/", 0, &id);
	if (rc == 0) {
		iso_stat(img, id, &st);
		if (S_ISDIR(st.mode))
			ls_dir(img, id, recursive);
		else
			ls_one(img, id);
	}
	if (fflush(stdout) != 0 && rc == 0) {
		fprintf(stderr, "pxestick iso: writing output: %s\n", strerror(errno));
		rc = EXIT_BAD;
	}
	iso_close(img);
	return rc;
}

/* Copy a file's extents to out_fd: sendfile where the kernel allows it. */
static int
copy_file(const struct iso_image *img, uint32_t id, int out_fd)
{
	static char buf[64 * 1024];
	const struct iso_extent *ext;
	size_t n = iso_extents(img, id, &ext);
	int use_sendfile = iso_fd(img) >= 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t off = ext[i].offset, left = ext[i].length;

		while (left > 0) {
			size_t chunk = left > (1u << 30) ? (1u << 30) : (size_t)left;
			ssize_t w;

			if (use_sendfile) {
				off_t o = (off_t)off;

				w = sendfile(out_fd, iso_fd(img), &o, chunk);
				if (w < 0 && (errno == EINVAL || errno == ENOSYS)) {
					use_sendfile = 0;
					continue;
				}
				if (w < 0 && errno == EINTR)
					continue;
				if (w <= 0)
					return -1;
			} else {
				ssize_t r;

				if (chunk > sizeof(buf))
					chunk = sizeof(buf);
				r = pread(iso_fd(img), buf, chunk, (off_t)off);
				if (r < 0 && errno == EINTR)
					continue;
				if (r <= 0) {
					if (r == 0)
						errno = EIO;
					return -1;
				}
				if (write_all(out_fd, buf, (size_t)r) != 0)
					return -1;
				w = r;
			}
			off += (uint64_t)w;
			left -= (uint64_t)w;
		}
	}
	return 0;
}

static int
cmd_cat(int argc, char **argv)
{
	struct iso_image *img;
	struct iso_stat st;
	uint32_t id;
	int rc;

	if (argc != 3)
		return usage_error("cat takes an ISO and a path");
	img = open_or_complain(argv[1]);
	if (img == NULL)
		return EXIT_BAD;
	rc = lookup_or_complain(img, argv[2], ISO_FOLLOW, &id);
	if (rc == 0) {
		iso_stat(img, id, &st);
		if (!S_ISREG(st.mode)) {
			fprintf(stderr, "pxestick iso: %s: %s: not a regular file\n",
			    argv[1], argv[2]);
			rc = EXIT_BAD;
		} else if (copy_file(img, id, STDOUT_FILENO) != 0) {
			fprintf(stderr, "pxestick iso: %s: %s: %s\n", argv[1], argv[2],
			    strerror(errno));
			rc = EXIT_BAD;
		}
	}
	iso_close(img);
	return rc;
}

/* Extraction: each directory is entered through a descriptor opened with
 * O_NOFOLLOW, so no name in the image (nor a symlink it creates) can make
 * us write outside DIR. */
struct extract {
	const struct iso_image *img;
	const char *image_path;
	int errors;
};

static void
extract_fail(struct extract *x, uint32_t id, const char *what)
{
	char path[ISO_MAX_PATH * 2];

	iso_path(x->img, id, path, sizeof(path));
	fprintf(stderr, "pxestick iso: %s: ", x->image_path);
	print_escaped(stderr, path);
	fprintf(stderr, ": %s: %s\n", what, strerror(errno));
	x->errors++;
}

/* The ISO's mtime on an open file, or on a symlink by name (no fd). */
static void
set_fd_times(int fd, int64_t mtime)
{
	struct timespec ts[2] = { { (time_t)mtime, 0 }, { (time_t)mtime, 0 } };

	(void)futimens(fd, ts);
}

static void
set_link_times(int dirfd, const char *name, int64_t mtime)
{
	struct timespec ts[2] = { { (time_t)mtime, 0 }, { (time_t)mtime, 0 } };

	(void)utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW);
}

static void extract_dir(struct extract *x, uint32_t dir, int dirfd);

static void
extract_one(struct extract *x, uint32_t id, int dirfd)
{
	struct iso_stat st;
	int fd;

	iso_stat(x->img, id, &st);
	if (S_ISDIR(st.mode)) {
		if (mkdirat(dirfd, st.name, 0700) != 0) {
			extract_fail(x, id, "mkdir");
			return;
		}
		fd = openat(dirfd, st.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			extract_fail(x, id, "open directory");
			return;
		}
		extract_dir(x, id, fd);
		(void)fchmod(fd, st.mode & 07777 & ~(uint32_t)(S_ISUID | S_ISGID));
		set_fd_times(fd, st.mtime);
		close(fd);
	} else if (S_ISLNK(st.mode)) {
		if (symlinkat(st.link, dirfd, st.name) != 0)
			extract_fail(x, id, "symlink");
		else
			set_link_times(dirfd, st.name, st.mtime);
	} else if (S_ISREG(st.mode)) {
		fd = openat(dirfd, st.name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd < 0) {
			extract_fail(x, id, "create");
			return;
		}
		if (copy_file(x->img, id, fd) != 0)
			extract_fail(x, id, "write");
		(void)fchmod(fd, st.mode & 0777);
		set_fd_times(fd, st.mtime);
		if (close(fd) != 0)
			extract_fail(x, id, "close");
	} else {
		fprintf(stderr, "pxestick iso: %s: %s: special file skipped\n",
		    x->image_path, st.name);
	}
}

static void
extract_dir(struct extract *x, uint32_t dir, int dirfd)
{
	uint32_t first, n = iso_children(x->img, dir, &first);

	for (uint32_t i = 0; i < n; i++)
		extract_one(x, first + i, dirfd);
}

static int
cmd_extract(int argc, char **argv)
{
	struct extract x = { NULL, NULL, 0 };
	struct iso_image *img;
	int dirfd;

	if (argc != 3)
		return usage_error("extract takes an ISO and a directory");
	img = open_or_complain(argv[1]);
	if (img == NULL)
		return EXIT_BAD;
	if (mkdir(argv[2], 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "pxestick iso: %s: %s\n", argv[2], strerror(errno));
		iso_close(img);
		return EXIT_BAD;
	}
	dirfd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		fprintf(stderr, "pxestick iso: %s: %s\n", argv[2], strerror(errno));
		iso_close(img);
		return EXIT_BAD;
	}
	x.img = img;
	x.image_path = argv[1];
	extract_dir(&x, ISO_ROOT_ID, dirfd);
	close(dirfd);
	iso_close(img);
	return x.errors ? EXIT_BAD : 0;
}

int
iso_cli_main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "info", cmd_info }, { "ls", cmd_ls }, { "cat", cmd_cat },
		{ "extract", cmd_extract },
	};

	if (argc < 2)
		return usage_error(NULL);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(iso_usage, stdout);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_LEN(cmds); i++) {
		if (strcmp(argv[1], cmds[i].name) != 0)
			continue;
		for (int a = 2; a < argc; a++)
			if (strcmp(argv[a], "--help") == 0) {
				fputs(iso_usage, stdout);
				return 0;
			}
		return cmds[i].fn(argc - 1, argv + 1);
	}
	return usage_error("unknown iso command");
}
