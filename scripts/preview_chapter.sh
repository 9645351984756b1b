#!/usr/bin/env bash
# Build one chapter (or page) as a small book of its own, strictly, to look at it quickly.
#   scripts/preview_chapter.sh chapters/ch1_chain_rule/ch1_chain_rule.ipynb
# Prints the path of the HTML page. The full book is `make book`.
set -euo pipefail
page=${1:?usage: scripts/preview_chapter.sh PATH/TO/PAGE.ipynb}
root=$(cd "$(dirname "$0")/.." && pwd)
name=$(basename "${page%.*}")
out=${PREVIEW_DIR:-/tmp/preview_$name}
rm -rf "$out" && mkdir -p "$out"
cp "$root/_config.yml" "$root/references.bib" "$out/"
cp -r "$root/_static" "$out/"
cp "$root/$page" "$out/"
cp "$root/pages/references.md" "$out/"  # the book's one bibliography, for {cite}
printf 'format: jb-book\nroot: %s\nchapters:\n  - file: references\n' "$name" > "$out/_toc.yml"
jupyter-book build "$out" -W -n --keep-going
echo "$out/_build/html/$name.html"
