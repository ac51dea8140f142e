/*
 * Which credentials an HTTPS server uses: the configured chain and key,
 * or the self-signed pair kept in the state directory, made for every
 * address of this machine.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>

#include "tls/tls_cert.h"

/* Every address of this machine (and "localhost"), for the certificate:
 * clients reach the appliance by whichever address DHCP gave it. */
static size_t
local_names(char names[][INET6_ADDRSTRLEN], size_t max)
{
	struct ifaddrs *ifa, *i;
	size_t n = 0;

	if (getifaddrs(&ifa) != 0)
		return 0;
	for (i = ifa; i != NULL && n + 1 < max; i = i->ifa_next) {
		if (i->ifa_addr == NULL)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, names[n++],
			    INET6_ADDRSTRLEN);
		else if (i->ifa_addr->sa_family == AF_INET6 &&
		    !IN6_IS_ADDR_LINKLOCAL(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr))
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr,
			    names[n++], INET6_ADDRSTRLEN);
	}
	freeifaddrs(ifa);
	snprintf(names[n++], INET6_ADDRSTRLEN, "localhost");
	return n;
}

int
tls_creds_setup(struct tls_creds *c, const char *cert_file, const char *key_file,
    const char *state_dir, char *note, size_t notelen, char *err, size_t errlen)
{
	char names[TLS_MAX_SANS][INET6_ADDRSTRLEN], why[256], desc[64];
	const char *list[TLS_MAX_SANS];
	size_t n;
	int rc;

	if (cert_file[0] != '\0') {
		if (tls_creds_load(c, cert_file, key_file[0] ? key_file : cert_file, why,
		    sizeof(why)) != 0) {
			snprintf(err, errlen, "https: %s", why);
			return -1;
		}
		snprintf(note, notelen, "certificate %s (%s)", cert_file,
		    tls_creds_describe(c, desc, sizeof(desc)));
		return 0;
	}
	n = local_names(names, TLS_MAX_SANS);
	for (size_t i = 0; i < n; i++)
		list[i] = names[i];
	rc = tls_creds_load_or_create(c, state_dir, list, n, why, sizeof(why));
	if (rc < 0) {
		snprintf(err, errlen, "https: %s", why);
		return -1;
	}
	snprintf(note, notelen, "%s self-signed certificate %s/tls-cert.pem%s%s",
	    rc == TLS_CREDS_CREATED ? "made a new" : "using the", state_dir,
	    rc == TLS_CREDS_CREATED ? ": " : "", rc == TLS_CREDS_CREATED ? why : "");
	return 0;
}
