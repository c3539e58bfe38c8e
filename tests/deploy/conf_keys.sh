#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# deploy/sluice.conf against the code: every control-plane key of
# controlplane/cp_config.c is documented there (SLUICE_<KEY>, under a
# comment), every data-plane option of dataplane/dp_config.c is passed by the
# unit or documented, every variable the data-plane unit uses has a default
# in the unit and a line in the file, and the file names no key that does not
# exist. Then the file itself: the control plane accepts it (--check-config),
# refuses a bad log_format, and the data plane accepts the command line its
# unit builds from it (the options are checked before --help returns).
#   conf_keys.sh BUILD SRC
set -u
BUILD=$1 SRC=$2
. "$SRC/tests/deploy/lib.sh"
CONF=$SRC/deploy/sluice.conf
DPU=$SRC/deploy/systemd/sluice-dataplane.service
CP=$BUILD/controlplane/sluice-controlplane
DP=$BUILD/dataplane/sluice-dataplane
T=$(mktemp -d /tmp/sl-conf-XXXXXX)
trap 'rm -rf "$T"' EXIT

# SLUICE_X documented: a "#SLUICE_X=" or "SLUICE_X=" line whose block starts
# with a comment of words
documented() {
	awk -v k="$1" '
		/^#? ?SLUICE_[A-Z0-9_]*=/ { name = $0; sub(/^# ?/, "", name); sub(/=.*/, "", name)
			if (name == k) { found = 1; if (text) ok = 1 } next }
		/^#/ { text = 1; next }
		{ text = 0 }
		END { exit !(found && ok) }' "$CONF"
}

cp_keys=$(sed -n '/^static const struct key keys\[\] = {/,/^};/p' "$SRC/controlplane/cp_config.c" |
	sed -nE 's/^\s*(S|IP|I|B)\(([a-z0-9_]+)[,)].*/\2/p')
n=0
for k in $cp_keys; do
	n=$((n + 1))
	K=SLUICE_$(echo "$k" | tr a-z A-Z)
	documented "$K" || fail "control-plane key $k: no documented $K line in deploy/sluice.conf"
done
[ $n -ge 30 ] && ok "$n control-plane keys, each documented in deploy/sluice.conf" || fail "only $n keys found in cp_config.c"

exec_lines=$(grep -E '^ExecStart(Pre)?=' "$DPU")
unit_vars=$(echo "$exec_lines" | grep -oE '\$\{?SLUICE_[A-Z0-9_]+' | tr -d '${' | sort -u)
for v in $unit_vars; do
	grep -qE "^Environment=(.*[ \"])?$v=" "$DPU" || fail "data plane unit uses $v without a default Environment="
	documented "$v" || fail "data plane unit uses $v, not documented in deploy/sluice.conf"
done
ok "$(echo "$unit_vars" | wc -w) data-plane unit variables, each with a default and documented"
dp_opts=$(grep -oE 'strcmp\(o, "--[a-z-]+"\)' "$SRC/dataplane/dp_config.c" | grep -oE -- '--[a-z-]+' | grep -v -- '--help' | sort -u)
for o in $dp_opts; do
	echo "$exec_lines" | grep -q -- " $o " || grep -q -- "$o" "$CONF" || fail "data-plane option $o neither passed by the unit nor documented"
done
ok "$(echo "$dp_opts" | wc -w) data-plane options, each passed by the unit or documented"
for v in $(grep -oE '^#? ?SLUICE_[A-Z0-9_]+=' "$CONF" | sed -E 's/^# ?//; s/=$//' | sort -u); do
	k=$(echo "${v#SLUICE_}" | tr A-Z a-z)
	echo "$cp_keys" | grep -qx "$k" || echo "$unit_vars" | grep -qx "$v" || fail "deploy/sluice.conf documents $v, which nothing reads"
done
ok "deploy/sluice.conf names only keys that exist"

# the file as the control plane sees it (the environment the unit gives it)
echo "conf-test-secret-0123456789abcdef" >"$T/secret"
run_cp() {
	env -i PATH=/usr/bin:/bin bash -c "set -a; . '$CONF'; SLUICE_JWT_SECRET_FILE='$T/secret'; $*; set +a; exec '$CP' --check-config"
}
out=$(run_cp true 2>&1)
[ "$out" = "configuration ok" ] && ok "control plane accepts deploy/sluice.conf" || fail "--check-config on deploy/sluice.conf: $out"
out=$(run_cp SLUICE_LOG_FORMAT=json 2>&1)
[ "$out" = "configuration ok" ] && ok "log_format=json accepted" || fail "log_format=json: $out"
out=$(run_cp SLUICE_LOG_FORMAT=xml 2>&1)
rc=$?
[ $rc -eq 2 ] && [[ $out == *"log_format must be text or json (got 'xml')"* ]] &&
	ok "log_format=xml refused with exit 2 and the fix" || fail "log_format=xml: rc $rc: $out"

# the data plane's command line as its unit builds it from the file:
# Environment= defaults, then the file, then ExecStart with ${X} one word
# and $X split on spaces (systemd's rules)
render() {
	local line
	while IFS= read -r line; do
		eval "export ${line#Environment=}"
	done < <(grep '^Environment=' "$DPU")
	set -a; . "$CONF"; set +a
	line=$(grep '^ExecStart=' "$DPU" | sed 's/^ExecStart=[^ ]* //; s/\${\([A-Z0-9_]*\)}/"${\1}"/g')
	eval "args=($line)"
	printf '%s\n' "${args[@]}"
}
mapfile -t args < <(render)
printf 'data plane argv: %s\n' "${args[*]}"
# (--ip6 gets one empty word when the file leaves SLUICE_DP_IP6 out: IPv4 only)
[[ " ${args[*]} " == *" -- --ip 203.0.113.10 --ip6  --shm /sluice --port 0 --port-base 40000 "* ]] &&
	ok "unit + file give the data plane its options" || fail "rendered argv unexpected"
out=$("$DP" "${args[@]}" --help 2>&1)
rc=$?
[ $rc -eq 0 ] && [[ $out == usage:* ]] && ok "sluice-dataplane accepts every option the unit passes" ||
	fail "sluice-dataplane refused the unit's options (rc $rc): $out"
echo "conf_keys: $failures failed"
[ $failures -eq 0 ]
