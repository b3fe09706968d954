#!/usr/bin/env bash
# test-failover.sh with the first server's host made unreachable (its link
# dropped at the router) instead of its wireguard-go killed: no process
# dies, nothing answers, and the flow goes on through the hot standby.
FAILOVER_HOW=unreachable
source "$(dirname "$0")/test-failover.sh"
