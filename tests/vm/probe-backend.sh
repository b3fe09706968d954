#!/usr/bin/env bash
# Run inside a test guest, before anything has loaded the wireguard module:
# which WireGuard backend `fexyn connect --backend auto` picks on this kernel,
# and which protection fexynd uses for its table (owner+persist table flags,
# or the nftables monitor on kernels without them). Prints
#   PROBE|<kernel>|<auto backend>|<protection>
set -euo pipefail
TEST_NAME=probe-backend
here=$(cd "$(dirname "$0")/../lab" && pwd)
source "$here/netlab.sh"
source "$here/fexyn-lab.sh"
lab_on_teardown() { fx_teardown; }

FEXYN_LAB_BACKEND=auto
fx_lab_bare
protection=$(fx status --json | jq -r .protection)
fx connect "$LAB_TMP/vpn1.conf" >/dev/null
backend=$(fx_tunnel_backend)
check_eq "status names the backend the kernel shows" "$(fx status --json | jq -r .backend)" "$backend"
fx disconnect >/dev/null
echo "PROBE|$(uname -r)|$backend|$protection"
