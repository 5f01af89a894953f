#!/usr/bin/env bash
# Prints the file graph of src/, bottom up: each file with the files it uses (read from the
# `crate::` / `super::` paths of its code outside test modules; re-exports followed to the
# file that defines the item). Fails, naming them, if there is a cycle among files or an
# edge that leaves its layer (wire/ and types/ below everything else). The check itself is
# tests/layers.rs, which `cargo test` runs too.
#
#   scripts/file-graph.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BLOCKING_IMAP_PRINT_GRAPH=1 cargo test --quiet --test layers -- --nocapture --test-threads 1 \
    the_file_graph_has_no_cycle_and_keeps_its_layers
