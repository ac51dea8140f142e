/*
 * The key types we accept.  DSA is gone from OpenSSH (9.8) and certificates
 * need a CA setup this appliance does not have; both are refused by name.
 */
#include <string.h>

#include <bearssl.h>

#include "common/util.h"
#include "keyinject/keys_internal.h"

static const struct keys_type_info keys_types[] = {
	{ KEYS_TYPE_ED25519, "ssh-ed25519", "ED25519", KEYS_KIND_ED25519, 0,
	    NULL, 0, 0, 256 },
	{ KEYS_TYPE_ECDSA_P256, "ecdsa-sha2-nistp256", "ECDSA", KEYS_KIND_ECDSA, 0,
	    "nistp256", BR_EC_secp256r1, 65, 256 },
	{ KEYS_TYPE_ECDSA_P384, "ecdsa-sha2-nistp384", "ECDSA", KEYS_KIND_ECDSA, 0,
	    "nistp384", BR_EC_secp384r1, 97, 384 },
	{ KEYS_TYPE_ECDSA_P521, "ecdsa-sha2-nistp521", "ECDSA", KEYS_KIND_ECDSA, 0,
	    "nistp521", BR_EC_secp521r1, 133, 521 },
	{ KEYS_TYPE_RSA, "ssh-rsa", "RSA", KEYS_KIND_RSA, 0, NULL, 0, 0, 0 },
	{ KEYS_TYPE_SK_ED25519, "sk-ssh-ed25519@openssh.com", "ED25519-SK",
	    KEYS_KIND_ED25519, 1, NULL, 0, 0, 256 },
	{ KEYS_TYPE_SK_ECDSA_P256, "sk-ecdsa-sha2-nistp256@openssh.com", "ECDSA-SK",
	    KEYS_KIND_ECDSA, 1, "nistp256", BR_EC_secp256r1, 65, 256 },
};

const struct keys_type_info *
keys_type_lookup(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_LEN(keys_types); i++)
		if (strlen(keys_types[i].name) == len &&
		    memcmp(keys_types[i].name, name, len) == 0)
			return &keys_types[i];
	return NULL;
}

const struct keys_type_info *
keys_type_info(enum keys_type type)
{
	for (size_t i = 0; i < ARRAY_LEN(keys_types); i++)
		if (keys_types[i].type == type)
			return &keys_types[i];
	return NULL;
}

const char *
keys_type_name(enum keys_type type)
{
	const struct keys_type_info *t = keys_type_info(type);

	return t != NULL ? t->name : "?";
}

const char *
keys_type_label(enum keys_type type)
{
	const struct keys_type_info *t = keys_type_info(type);

	return t != NULL ? t->label : "?";
}
