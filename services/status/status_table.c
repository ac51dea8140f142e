/*
 * The client table and its phase tracking (the rules are in status.h).
 * No I/O: addresses are resolved through the caller's adapter, times are
 * passed in.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/net.h"
#include "status/status.h"

/* A download that sent nothing for this long shows a rate of 0. */
#define STALL_MS 3000
/* Rate windows. */
#define SAMPLE_MS 1000

static const char *const phase_names[STATUS_PHASE_COUNT] = {
	"none", "dhcp", "loader", "ipxe", "menu", "kernel", "rootfs", "live", "ssh",
};
static const char *const phase_titles[STATUS_PHASE_COUNT] = {
	"seen", "DHCP (firmware)", "first stage", "iPXE", "boot menu", "kernel + initramfs",
	"root image", "live system up", "SSH up",
};

const char *
status_phase_name(unsigned p)
{
	return p < STATUS_PHASE_COUNT ? phase_names[p] : "?";
}

const char *
status_phase_title(unsigned p)
{
	return p < STATUS_PHASE_COUNT ? phase_titles[p] : "?";
}

const char *
status_fw_name(unsigned fw)
{
	static const char *const n[] = { "", "bios", "uefi", "uefi-http", "other" };

	return fw < sizeof(n) / sizeof(n[0]) ? n[fw] : "";
}

const char *
status_ssh_name(unsigned s)
{
	static const char *const n[] = { "", "waiting", "checking", "up", "unreachable" };

	return s < sizeof(n) / sizeof(n[0]) ? n[s] : "";
}

/* ---- addresses ---- */

int
status_addr_set(struct status_addr *out, const struct sockaddr *sa)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)(const void *)sa;

		out->family = AF_INET;
		memcpy(out->a, &a->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)(const void *)sa;

		if (memcmp(a->sin6_addr.s6_addr, mapped, 12) == 0) {
			out->family = AF_INET;
			memcpy(out->a, a->sin6_addr.s6_addr + 12, 4);
		} else {
			out->family = AF_INET6;
			memcpy(out->a, a->sin6_addr.s6_addr, 16);
		}
		return 0;
	}
	return -1;
}

void
status_addr_v4(struct status_addr *out, struct in_addr a)
{
	memset(out, 0, sizeof(*out));
	out->family = AF_INET;
	memcpy(out->a, &a, 4);
}

int
status_addr_eq(const struct status_addr *x, const struct status_addr *y)
{
	return x->family != 0 && x->family == y->family &&
	    memcmp(x->a, y->a, x->family == AF_INET ? 4 : 16) == 0;
}

char *
status_addr_str(const struct status_addr *a, char *out, size_t size)
{
	if (size == 0)
		return out;
	out[0] = '\0';
	if (a->family == AF_INET || a->family == AF_INET6)
		if (inet_ntop(a->family, a->a, out, (socklen_t)size) == NULL)
			out[0] = '\0';
	return out;
}

/* ---- small helpers ---- */

/* Bytes to printable ASCII ('?' for the rest), cut to size. */
static void
copy_clean(char *dst, size_t size, const char *src, size_t len)
{
	size_t i;

	for (i = 0; i < len && i + 1 < size; i++) {
		unsigned char ch = (unsigned char)src[i];

		dst[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	dst[i] = '\0';
}

static void
clean_in_place(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

char *
status_client_name(const struct status_client *c, char *out, size_t size)
{
	char mac[NET_MAC_STR];

	if (c->has_mac)
		snprintf(out, size, "%s", net_mac_str(c->mac, mac));
	else
		status_addr_str(&c->addr, out, size);
	return out;
}

static void event(struct status *st, const struct status_client *c, uint64_t now,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
event(struct status *st, const struct status_client *c, uint64_t now, const char *fmt, ...)
{
	struct status_event *e = &st->ev[st->ev_next];
	va_list ap;

	if (c->pending)
		return;     /* maybe another boot server's: not ours to tell */
	e->at = now;
	status_client_name(c, e->who, sizeof(e->who));
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	clean_in_place(e->msg);
	st->ev_next = (st->ev_next + 1) % STATUS_MAX_EVENTS;
	if (st->n_ev < STATUS_MAX_EVENTS)
		st->n_ev++;
}

static void set_error(struct status *st, struct status_client *c, uint64_t now,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
set_error(struct status *st, struct status_client *c, uint64_t now, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->error, sizeof(c->error), fmt, ap);
	va_end(ap);
	clean_in_place(c->error);
	c->error_at = now;
	event(st, c, now, "error: %s", c->error);
}

/* ---- the table ---- */

int
status_init(struct status *st, status_resolve_fn *resolve, void *ctx)
{
	memset(st, 0, sizeof(*st));
	st->c = calloc(STATUS_MAX_CLIENTS, sizeof(*st->c));
	if (st->c == NULL)
		return -1;
	st->resolve = resolve;
	st->resolve_ctx = ctx;
	return 0;
}

void
status_free(struct status *st)
{
	free(st->c);
	st->c = NULL;
	st->n = 0;
}

static struct status_client *
by_mac(struct status *st, const uint8_t mac[6])
{
	for (size_t i = 0; i < STATUS_MAX_CLIENTS; i++)
		if (st->c[i].gen != 0 && st->c[i].has_mac && memcmp(st->c[i].mac, mac, 6) == 0)
			return &st->c[i];
	return NULL;
}

/* The client holding address a (the most recently confirmed one). */
static struct status_client *
by_addr(struct status *st, const struct status_addr *a)
{
	struct status_client *best = NULL;

	for (size_t i = 0; i < STATUS_MAX_CLIENTS; i++) {
		struct status_client *c = &st->c[i];

		if (c->gen != 0 && status_addr_eq(&c->addr, a) &&
		    (best == NULL || c->addr_at > best->addr_at))
			best = c;
	}
	return best;
}

/* A slot for a new client: a free one, else the one idle the longest
 * (clients with a transfer in flight last). */
static struct status_client *
client_new(struct status *st, uint64_t now)
{
	struct status_client *c = NULL;

	for (size_t i = 0; i < STATUS_MAX_CLIENTS && c == NULL; i++)
		if (st->c[i].gen == 0)
			c = &st->c[i];
	if (c == NULL) {
		for (size_t i = 0; i < STATUS_MAX_CLIENTS; i++) {
			struct status_client *o = &st->c[i];

			if (c == NULL || (o->active == 0) > (c->active == 0) ||
			    ((o->active == 0) == (c->active == 0) && o->last_seen < c->last_seen))
				c = o;
		}
		st->evicted++;
		st->n--;
	}
	memset(c, 0, sizeof(*c));
	if (++st->next_gen == 0)
		st->next_gen = 1;
	c->gen = st->next_gen;
	c->first_seen = c->last_seen = c->boot_start = c->phase_since = now;
	c->boots = 1;
	st->n++;
	return c;
}

/* c now has address a; nobody else does. */
static void
take_addr(struct status *st, struct status_client *c, const struct status_addr *a, uint64_t now)
{
	for (size_t i = 0; i < STATUS_MAX_CLIENTS; i++) {
		struct status_client *o = &st->c[i];

		if (o != c && o->gen != 0 && o->has_mac && status_addr_eq(&o->addr, a))
			o->addr.family = 0;
	}
	c->addr = *a;
	c->addr_at = now;
}

/*
 * The client a request from address a belongs to: the holder of a while
 * that is fresh, else whoever the neighbour table names, else the holder
 * of a anyway.  create: make one when nobody fits (boot files, TFTP).
 */
static struct status_client *
client_for_addr(struct status *st, const struct status_addr *a, int create, uint64_t now)
{
	struct status_client *c = by_addr(st, a), *m;
	uint8_t mac[6];

	if (c != NULL && now - c->addr_at < STATUS_ADDR_TRUST_MS)
		return c;
	if (c == NULL && !create)
		return NULL; /* strangers cost no lookup */
	if (st->resolve != NULL && st->resolve(st->resolve_ctx, a, mac) == 0) {
		m = by_mac(st, mac);
		if (m == NULL && c != NULL && !c->has_mac) {
			m = c; /* known by address until now */
			m->has_mac = 1;
			memcpy(m->mac, mac, 6);
		} else if (m == NULL) {
			if (!create)
				return NULL;
			m = client_new(st, now);
			m->has_mac = 1;
			memcpy(m->mac, mac, 6);
		}
		take_addr(st, m, a, now);
		return m;
	}
	if (c != NULL) {
		c->addr_at = now; /* look again in a while, not at every request */
		return c;
	}
	c = client_new(st, now);
	c->addr = *a;
	c->addr_at = now;
	return c;
}

static void flag_secure_boot(struct status *st, struct status_client *c, uint64_t now);

/*
 * A netboot DHCP event (offer_only: a proxy OFFER) or a request (came:
 * the machine is ours) for a pending row.  The row of a machine seen
 * before stays shown: only a stranger's first offers are pending.
 */
static void
claim(struct status_client *c, int offer_only, int ipxe, uint64_t now)
{
	if (!offer_only) {
		c->pending = 0;
		c->fw_offered = 0;
		c->elsewhere = 0;
		return;
	}
	if (!c->pending)
		return;
	c->offered_at = now;
	if (!ipxe)
		c->fw_offered = 1;
}

static void
new_boot(struct status *st, struct status_client *c, uint64_t now)
{
	/* The last boot ended after its .efi boot file arrived, before iPXE:
	 * the firmware would not run it. */
	int refused = c->efi_loader_done != 0 && !c->ipxe;

	if (refused && c->efi_refused < 255)
		c->efi_refused++;
	c->efi_loader_done = 0;
	c->boots++;
	c->boot_start = now;
	memset(&c->dl, 0, sizeof(c->dl));
	c->bytes = 0;
	c->rootfs_done = 0;
	c->stalled = 0;
	c->error[0] = '\0';
	c->error_at = 0;
	c->ssh = STATUS_SSH_NONE;
	c->ssh_banner[0] = '\0';
	c->ssh_tries = 0;
	c->iso[0] = '\0';
	c->ipxe = 0;
	event(st, c, now, "boot #%u starts", c->boots);
	if (refused)
		flag_secure_boot(st, c, now);
}

/* Say what a refused .efi boot file most likely means, and keep saying it
 * (the error survives the firmware's next attempts) until iPXE runs. */
static void
flag_secure_boot(struct status *st, struct status_client *c, uint64_t now)
{
	int first = !c->secure_boot;

	c->secure_boot = 1;
	snprintf(c->error, sizeof(c->error), "probably Secure Boot: the UEFI boot file was "
	    "fetched%s, but iPXE never started -- switch Secure Boot off in the firmware "
	    "(if it is off: try the other efi-boot, ipxe.efi or snponly.efi)", c->efi_refused > 1 ? " again and again" :
	    c->efi_refused == 1 ? " twice" : "");
	c->error_at = now;
	if (!first)
		return;
	event(st, c, now, "error: %s", c->error);
	if (st->notice != NULL) {
		char who[48];

		st->notice(st->notice_ctx, status_client_name(c, who, sizeof(who)), c->error);
	}
}

/* The transition function (status.h): an event of phase p. */
static void
advance(struct status *st, struct status_client *c, unsigned p, int download, uint64_t now)
{
	unsigned q = c->phase;

	if (q != STATUS_PHASE_NONE &&
	    (((p == STATUS_PHASE_DHCP || p == STATUS_PHASE_LOADER) && p < q) ||
	    ((p == STATUS_PHASE_IPXE || p == STATUS_PHASE_MENU) && q >= STATUS_PHASE_KERNEL))) {
		new_boot(st, c, now);
		q = STATUS_PHASE_NONE;
	}
	if (p == q || (p < q && !download))
		return;
	/* Moving on clears the error -- but not the Secure Boot suspicion
	 * while the firmware is still fetching the boot file. */
	if (p > q && !(c->secure_boot && p <= STATUS_PHASE_LOADER)) {
		c->error[0] = '\0';
		c->error_at = 0;
	}
	c->phase = (uint8_t)p;
	c->phase_since = now;
}

/* ---- DHCP ---- */

void
status_dhcp(struct status *st, const struct status_dhcp_event *ev, uint64_t now)
{
	struct status_client *c;
	unsigned before, p;
	char was[sizeof(c->policy)];

	if (st == NULL || st->c == NULL)
		return;
	c = by_mac(st, ev->mac);
	if (c == NULL) {
		if (!ev->netboot)
			return; /* not a netboot client: none of ours */
		c = client_new(st, now);
		c->has_mac = 1;
		memcpy(c->mac, ev->mac, 6);
		c->pending = ev->offer_only != 0;
	}
	c->last_seen = now;
	if (ev->netboot)
		claim(c, ev->offer_only, ev->ipxe, now);
	if (ev->addr.s_addr != 0) {
		struct status_addr a;

		status_addr_v4(&a, ev->addr);
		take_addr(st, c, &a, now);
	}
	if (!ev->netboot)
		return; /* the live system's own DHCP: the address is all */
	before = c->phase;
	p = ev->ipxe ? STATUS_PHASE_IPXE : STATUS_PHASE_DHCP;
	advance(st, c, p, 0, now);
	if (ev->ipxe) {
		c->ipxe = 1;
		c->secure_boot = 0; /* iPXE runs: whatever stopped it did not */
		c->efi_refused = 0;
	} else
		c->firmware = ev->firmware;
	if (ev->has_arch) {
		c->has_arch = 1;
		c->arch = ev->arch;
		c->arch_name = ev->arch_name;
	}
	if (ev->entry != NULL)
		copy_clean(c->entry, sizeof(c->entry), ev->entry, strlen(ev->entry));
	memcpy(was, c->policy, sizeof(was));
	if (ev->policy != NULL)
		copy_clean(c->policy, sizeof(c->policy), ev->policy, strlen(ev->policy));
	if (ev->name != NULL)
		copy_clean(c->name, sizeof(c->name), ev->name, strlen(ev->name));
	if (ev->turned_away) {
		/* One event per change, not one per retransmitted DISCOVER. */
		if (c->phase != before || !c->turned_away || strcmp(was, c->policy) != 0)
			event(st, c, now, "%s", ev->policy != NULL ? ev->policy : "turned away");
		c->turned_away = 1;
		return;
	}
	c->turned_away = 0;
	if (!ev->booted) {
		if (strncmp(c->error, "no boot file: ", 14) != 0)
			set_error(st, c, now, "no boot file: %s", ev->detail);
	} else if (c->phase != before) {
		event(st, c, now, "%s", ev->detail);
	}
}

void
status_dhcp_error(struct status *st, const uint8_t mac[6], const char *why, uint64_t now)
{
	struct status_client *c;

	if (st == NULL || st->c == NULL || (c = by_mac(st, mac)) == NULL)
		return;
	c->last_seen = now;
	set_error(st, c, now, "dhcp: %s", why);
}

/* ---- HTTP and TFTP ---- */

static int
ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcmp(s + n - t, tail) == 0;
}

/* A UEFI boot file (ipxe.efi, snponly.efi, BOOTX64.EFI). */
static int
is_efi_file(const char *name)
{
	return ends_with(name, ".efi") || ends_with(name, ".EFI");
}

enum status_kind
status_classify(const char *path, char *iso, size_t isosize)
{
	const char *base = strrchr(path, '/');

	base = base != NULL ? base + 1 : path;
	if (isosize > 0)
		iso[0] = '\0';
	if (strcmp(path, "/status") == 0 || strcmp(path, "/status.json") == 0 ||
	    strncmp(path, "/status/", 8) == 0 || strcmp(path, "/favicon.ico") == 0)
		return STATUS_KIND_IGNORE;
	if (strcmp(path, "/boot.ipxe") == 0)
		return STATUS_KIND_MENU;
	if (strcmp(path, "/script.cfg") == 0)
		return STATUS_KIND_SCRIPT;
	if (strncmp(path, "/iso/", 5) == 0) {
		const char *name = path + 5, *slash = strchr(name, '/');

		if (slash != NULL && isosize > 0)
			copy_clean(iso, isosize, name, (size_t)(slash - name));
		if (slash == NULL)
			return STATUS_KIND_OTHER;
		if (strncmp(base, "airootfs.", 9) == 0)
			return strcmp(base + 9, "sfs") == 0 || strcmp(base + 9, "erofs") == 0 ?
			    STATUS_KIND_ROOTFS : STATUS_KIND_ROOTFS_AUX;
		if (strncmp(base, "vmlinuz", 7) == 0 || strncmp(base, "initramfs", 9) == 0 ||
		    (strstr(base, "ucode") != NULL && ends_with(base, ".img")))
			return STATUS_KIND_KERNEL;
		return STATUS_KIND_OTHER;
	}
	if (ends_with(base, ".efi") || ends_with(base, ".kpxe") || ends_with(base, ".pxe") ||
	    ends_with(base, ".EFI"))
		return STATUS_KIND_LOADER;
	return STATUS_KIND_OTHER;
}

static unsigned
kind_phase(enum status_kind k)
{
	switch (k) {
	case STATUS_KIND_LOADER: return STATUS_PHASE_LOADER;
	case STATUS_KIND_MENU: return STATUS_PHASE_MENU;
	case STATUS_KIND_KERNEL: return STATUS_PHASE_KERNEL;
	case STATUS_KIND_ROOTFS:
	case STATUS_KIND_ROOTFS_AUX: return STATUS_PHASE_ROOTFS;
	case STATUS_KIND_SCRIPT: return STATUS_PHASE_LIVE;
	default: return STATUS_PHASE_NONE;
	}
}

static struct status_client *
ref_client(struct status *st, const struct status_ref *ref)
{
	struct status_client *c;

	if (st == NULL || st->c == NULL || ref->gen == 0 || ref->slot >= STATUS_MAX_CLIENTS)
		return NULL;
	c = &st->c[ref->slot];
	return c->gen == ref->gen ? c : NULL;
}

void
status_request(struct status *st, const struct status_request *rq, struct status_ref *ref,
    uint64_t now)
{
	char path[STATUS_MAX_PATH], iso[64], file[48];
	const char *base, *via = rq->via == STATUS_VIA_TFTP ? "tftp" : "http";
	struct status_client *c;
	struct status_addr a;
	enum status_kind k;
	unsigned p, before;

	ref->gen = 0;
	if (st == NULL || st->c == NULL || status_addr_set(&a, rq->peer) != 0)
		return;
	copy_clean(path, sizeof(path), rq->path, rq->path_len);
	if (!rq->refused) {
		k = status_classify(path, iso, sizeof(iso));
	} else {
		k = STATUS_KIND_OTHER;
		iso[0] = '\0';
	}
	if (k == STATUS_KIND_IGNORE)
		return;
	c = client_for_addr(st, &a, k != STATUS_KIND_OTHER || rq->via == STATUS_VIA_TFTP, now);
	if (c == NULL)
		return;
	claim(c, 0, 0, now);
	c->last_seen = now;
	if (rq->agent != NULL && rq->agent_len > 0)
		copy_clean(c->agent, sizeof(c->agent), rq->agent, rq->agent_len);
	base = strrchr(path, '/');
	copy_clean(file, sizeof(file), base != NULL && base[1] ? base + 1 : path,
	    strlen(base != NULL && base[1] ? base + 1 : path));
	if (rq->error != NULL) {
		set_error(st, c, now, "%s %s: %s", via, path, rq->error);
		return;
	}
	p = kind_phase(k);
	before = c->phase;
	if (p != STATUS_PHASE_NONE)
		advance(st, c, p, k == STATUS_KIND_KERNEL || k == STATUS_KIND_ROOTFS, now);
	if (iso[0] != '\0' && k != STATUS_KIND_OTHER)
		snprintf(c->iso, sizeof(c->iso), "%s", iso);
	if (c->phase != before)
		event(st, c, now, "%s: %s%s%s", status_phase_title(c->phase), file,
		    rq->via == STATUS_VIA_TFTP ? " (tftp)" : "",
		    k == STATUS_KIND_SCRIPT ? ", keys installed" : "");
	if (k == STATUS_KIND_SCRIPT && c->ssh != STATUS_SSH_UP && c->ssh != STATUS_SSH_PROBING) {
		c->ssh = STATUS_SSH_WAITING;
		c->ssh_tries = 0;
		c->ssh_next = now + STATUS_SSH_FIRST_MS;
	}
	if (rq->body == 0)
		return; /* HEAD, 304, an empty file: nothing to follow */
	c->active++;
	if (++c->next_seq == 0)
		c->next_seq = 1;
	ref->slot = (uint32_t)(c - st->c);
	ref->gen = c->gen;
	ref->seq = c->next_seq;
	ref->base = rq->base;
	ref->reported = 0;
	/* The download shown is the latest boot file of size: the loader,
	 * kernel, initramfs, root image.  The menu, script.cfg, checksums and
	 * the rest only while nothing else was fetched in this boot. */
	if (k == STATUS_KIND_LOADER || k == STATUS_KIND_KERNEL || k == STATUS_KIND_ROOTFS ||
	    c->dl.state == STATUS_DL_NONE) {
		struct status_download *d = &c->dl;

		memset(d, 0, sizeof(*d));
		snprintf(d->file, sizeof(d->file), "%s", file);
		d->state = STATUS_DL_RUNNING;
		d->via = (uint8_t)rq->via;
		d->kind = (uint8_t)k;
		d->seq = ref->seq;
		d->done = rq->base;
		d->total = rq->size > rq->base ? rq->size : rq->base + rq->body;
		d->start = d->sample_t = d->last = now;
		d->sample_done = rq->base;
	}
}

void
status_progress(struct status *st, struct status_ref *ref, uint64_t sent, uint64_t now)
{
	struct status_client *c = ref_client(st, ref);
	struct status_download *d;

	if (c == NULL)
		return;
	if (sent > ref->reported) {
		c->bytes += sent - ref->reported;
		ref->reported = sent;
		c->last_seen = now;
	}
	d = &c->dl;
	if (d->seq != ref->seq || d->state != STATUS_DL_RUNNING)
		return;
	if (ref->base + sent != d->done) {
		d->done = ref->base + sent;
		if (d->done > d->total)
			d->total = d->done;
		d->last = now;
	}
	if (now - d->sample_t >= SAMPLE_MS) {
		uint64_t inst = (d->done - d->sample_done) * 1000 / (now - d->sample_t);

		d->rate = d->rate != 0 ? (d->rate + inst) / 2 : inst;
		d->sample_t = now;
		d->sample_done = d->done;
	}
}

void
status_done(struct status *st, struct status_ref *ref, uint64_t sent, const char *error,
    uint64_t now)
{
	struct status_client *c = ref_client(st, ref);
	struct status_download *d;

	if (c == NULL) {
		ref->gen = 0;
		return;
	}
	status_progress(st, ref, sent, now);
	if (c->active > 0)
		c->active--;
	d = &c->dl;
	if (d->seq == ref->seq && d->state == STATUS_DL_RUNNING) {
		uint64_t ms = now > d->start ? now - d->start : 1;
		char size[32];

		d->end = now;
		d->state = error != NULL ? STATUS_DL_FAILED : STATUS_DL_DONE;
		d->rate = sent * 1000 / ms;
		if (error != NULL)
			set_error(st, c, now, "%s: %s after %s", d->file, error,
			    status_fmt_bytes(sent, size, sizeof(size)));
		if (error == NULL && d->kind == STATUS_KIND_ROOTFS && d->done >= d->total)
			c->rootfs_done = now;
		if (error == NULL && d->kind == STATUS_KIND_LOADER && d->done >= d->total &&
		    is_efi_file(d->file))
			c->efi_loader_done = now;
		if (error == NULL && (d->kind == STATUS_KIND_LOADER ||
		    d->kind == STATUS_KIND_KERNEL || d->kind == STATUS_KIND_ROOTFS) && sent >= 4096)
			event(st, c, now, "%s: %s in %llu.%01llu s", d->file,
			    status_fmt_bytes(sent, size, sizeof(size)), (unsigned long long)(ms / 1000),
			    (unsigned long long)(ms % 1000 / 100));
	} else if (error != NULL) {
		event(st, c, now, "a transfer failed: %s", error);
	}
	ref->gen = 0;
}

int
status_mac_of(struct status *st, const struct sockaddr *peer, uint64_t now, uint8_t mac[6])
{
	struct status_client *c;
	struct status_addr a;

	if (st == NULL || st->c == NULL || status_addr_set(&a, peer) != 0)
		return -1;
	c = client_for_addr(st, &a, 0, now);
	if (c != NULL && c->has_mac) {
		memcpy(mac, c->mac, 6);
		return 0;
	}
	/* A stranger (proxy mode: its address came from another server) is
	 * looked up in the neighbour table, without taking a slot: only a
	 * machine on the link has an entry there. */
	return st->resolve != NULL && st->resolve(st->resolve_ctx, &a, mac) == 0 ? 0 : -1;
}

void
status_result(struct status *st, const uint8_t mac[6], const char *result, uint64_t now)
{
	struct status_client *c;

	if (st == NULL || st->c == NULL)
		return;
	if ((c = by_mac(st, mac)) == NULL) {
		c = client_new(st, now);
		c->has_mac = 1;
		memcpy(c->mac, mac, 6);
	}
	c->last_seen = now;
	copy_clean(c->result, sizeof(c->result), result, strlen(result));
	event(st, c, now, "reported: %s", c->result);
}

int
status_forget(struct status *st, const uint8_t mac[6])
{
	struct status_client *c;

	if (st == NULL || st->c == NULL || (c = by_mac(st, mac)) == NULL)
		return 0;
	memset(c, 0, sizeof(*c));
	st->n--;
	return 1;
}

void
status_tick(struct status *st, uint64_t now)
{
	if (st == NULL || st->c == NULL)
		return;
	for (size_t i = 0; i < STATUS_MAX_CLIENTS; i++) {
		struct status_client *c = &st->c[i];

		if (c->gen != 0 && !c->secure_boot && c->efi_loader_done != 0 && !c->ipxe &&
		    c->phase == STATUS_PHASE_LOADER &&
		    now - c->efi_loader_done >= STATUS_SECUREBOOT_WAIT_MS)
			flag_secure_boot(st, c, now);
		if (c->gen == 0 || c->stalled || c->rootfs_done == 0 ||
		    c->phase != STATUS_PHASE_ROOTFS || now - c->rootfs_done < STATUS_SCRIPT_WAIT_MS)
			continue;
		c->stalled = 1;
		if (st->script_served)
			set_error(st, c, now, "root image arrived %llu s ago, script.cfg never "
			    "fetched: its live system may have tried before its network was up "
			    "(ISOs of 2020.07-2023.05 do): on its console (tty1) run "
			    "~/.automated_script.sh", (unsigned long long)(STATUS_SCRIPT_WAIT_MS / 1000));
		else
			set_error(st, c, now, "root image arrived, but script.cfg is not served "
			    "(no keys): no SSH login; put authorized_keys on the stick");
		if (st->notice != NULL) {
			char who[48];

			st->notice(st->notice_ctx, status_client_name(c, who, sizeof(who)), c->error);
		}
	}
}

/* ---- SSH checks ---- */

size_t
status_ssh_due(struct status *st, uint64_t now, size_t *slots, uint32_t *gens, size_t max)
{
	size_t n = 0;

	if (st == NULL || st->c == NULL)
		return 0;
	for (size_t i = 0; i < STATUS_MAX_CLIENTS && n < max; i++) {
		struct status_client *c = &st->c[i];

		if (c->gen == 0 || c->ssh != STATUS_SSH_WAITING || now < c->ssh_next ||
		    c->addr.family == 0)
			continue;
		c->ssh = STATUS_SSH_PROBING;
		slots[n] = i;
		gens[n] = c->gen;
		n++;
	}
	return n;
}

void
status_ssh_result(struct status *st, size_t slot, uint32_t gen, const char *banner,
    size_t len, uint64_t now)
{
	struct status_client *c;

	if (st == NULL || st->c == NULL || slot >= STATUS_MAX_CLIENTS)
		return;
	c = &st->c[slot];
	if (c->gen != gen || c->ssh != STATUS_SSH_PROBING)
		return;
	if (banner != NULL) {
		copy_clean(c->ssh_banner, sizeof(c->ssh_banner), banner, len);
		c->ssh = STATUS_SSH_UP;
		advance(st, c, STATUS_PHASE_SSH, 0, now);
		event(st, c, now, "SSH up: %s", c->ssh_banner);
		return;
	}
	if (++c->ssh_tries >= STATUS_SSH_TRIES) {
		c->ssh = STATUS_SSH_GAVE_UP;
		event(st, c, now, "SSH: no answer on port 22 after %u tries", c->ssh_tries);
		return;
	}
	c->ssh = STATUS_SSH_WAITING;
	c->ssh_next = now + STATUS_SSH_RETRY_MS;
}

/* ---- reading the table ---- */

uint64_t
status_dl_rate(const struct status_download *d, uint64_t now)
{
	if (d->state == STATUS_DL_DONE || d->state == STATUS_DL_FAILED)
		return d->rate;
	if (d->state != STATUS_DL_RUNNING || now - d->last > STALL_MS)
		return 0;
	if (d->rate != 0)
		return d->rate;
	if (now - d->sample_t >= 200)
		return (d->done - d->sample_done) * 1000 / (now - d->sample_t);
	return 0;
}

struct order {
	uint64_t first;
	size_t idx;
};

static int
by_first_seen(const void *a, const void *b)
{
	const struct order *x = a, *y = b;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Shown on the status pages: not another boot server's machine. */
static int
shown(const struct status_client *c, uint64_t now)
{
	return c->gen != 0 && !c->elsewhere &&
	    !(c->pending && now - c->offered_at >= STATUS_PENDING_MS);
}

size_t
status_not_come(const struct status *st, uint64_t now)
{
	size_t n = 0;

	for (size_t i = 0; st != NULL && st->c != NULL && i < STATUS_MAX_CLIENTS; i++)
		if (st->c[i].gen != 0 && !shown(&st->c[i], now))
			n++;
	return n;
}

int
status_went_elsewhere(struct status *st, const uint8_t mac[6], uint64_t now)
{
	struct status_client *c;

	if (st == NULL || st->c == NULL || (c = by_mac(st, mac)) == NULL)
		return 0;
	if (!c->pending || !c->fw_offered || now - c->offered_at >= STATUS_ELSEWHERE_MS)
		return 0;
	c->elsewhere = 1;
	return 1;
}

size_t
status_order(const struct status *st, size_t *idx, size_t max, uint64_t now)
{
	struct order *o;
	size_t n = 0;

	if (st == NULL || st->c == NULL)
		return 0;
	o = malloc(STATUS_MAX_CLIENTS * sizeof(*o));
	if (o == NULL)
		return 0;
	for (size_t i = 0; i < STATUS_MAX_CLIENTS; i++)
		if (shown(&st->c[i], now)) {
			o[n].first = st->c[i].first_seen;
			o[n].idx = i;
			n++;
		}
	qsort(o, n, sizeof(*o), by_first_seen);
	if (n > max)
		n = max;
	for (size_t i = 0; i < n; i++)
		idx[i] = o[i].idx;
	free(o);
	return n;
}

char *
status_fmt_bytes(uint64_t n, char *out, size_t size)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB" };
	uint64_t scale = 1024;
	size_t u = 0;

	if (n < 1024) {
		snprintf(out, size, "%llu B", (unsigned long long)n);
		return out;
	}
	while (u + 1 < sizeof(unit) / sizeof(unit[0]) && n >= scale * 1024) {
		scale *= 1024;
		u++;
	}
	/* One decimal, rounded down (a download is not done at 99.96%). */
	snprintf(out, size, "%llu.%llu %s", (unsigned long long)(n / scale),
	    (unsigned long long)(n % scale * 10 / scale), unit[u]);
	return out;
}

char *
status_fmt_age(uint64_t ms, char *out, size_t size)
{
	uint64_t s = ms / 1000;

	if (s < 60)
		snprintf(out, size, "%llus", (unsigned long long)s);
	else if (s < 3600)
		snprintf(out, size, "%llum%02llus", (unsigned long long)(s / 60),
		    (unsigned long long)(s % 60));
	else if (s < 86400)
		snprintf(out, size, "%lluh%02llum", (unsigned long long)(s / 3600),
		    (unsigned long long)(s % 3600 / 60));
	else
		snprintf(out, size, "%llud%02lluh", (unsigned long long)(s / 86400),
		    (unsigned long long)(s % 86400 / 3600));
	return out;
}
