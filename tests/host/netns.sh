# Network namespaces for host tests (sourced after lib.sh): a bridge
# namespace and one namespace per party, each with eth0 on the bridge.
# Every namespace is made by the test and removed by its cleanup; no
# packet leaves them.

# netns_bridge BRIDGE_NS PREFIX LETTER...: BRIDGE_NS with br0, and for
# each LETTER a namespace PREFIX+LETTER whose eth0 (a veth) is on br0, up.
netns_bridge() {
	nb_b=$1 nb_p=$2
	shift 2
	ip -n "$nb_b" link add br0 type bridge
	ip -n "$nb_b" link set br0 up
	for n in "$@"; do
		ip netns add "$nb_p$n"
		ip link add "$nb_p$n" type veth peer name eth0 netns "$nb_p$n"
		ip link set "$nb_p$n" netns "$nb_b"
		ip -n "$nb_b" link set "$nb_p$n" master br0 up
		ip -n "$nb_p$n" link set lo up
		ip -n "$nb_p$n" link set eth0 up
	done
}

in_ns() { ns=$1; shift; ip netns exec "$ns" "$@"; }

# wait_for FILE PATTERN SECONDS: until a line of FILE matches (grep);
# 1 and the end of FILE on timeout.
wait_for() {
	i=0
	while [ "$i" -lt $(($3 * 10)) ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "no \"$2\" in $1 within $3 s:"
	tail -n 30 "$1"
	return 1
}
