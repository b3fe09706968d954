# shellcheck shell=bash
# The start of every lab test (source it first): strict mode, the lab
# (netlab.sh) and fexyn in it (fexyn-lab.sh), TEST_NAME from the file's name
# (test-NAME.sh), and a teardown that stops fexynd. A test that starts more
# redefines lab_on_teardown.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
TEST_NAME=$(basename "$0" .sh)
TEST_NAME=${TEST_NAME#test-}
# shellcheck source=netlab.sh
source "$here/netlab.sh"
# shellcheck source=fexyn-lab.sh
source "$here/fexyn-lab.sh"
lab_on_teardown() { fx_teardown; }
