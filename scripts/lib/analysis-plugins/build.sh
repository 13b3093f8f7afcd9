#!/usr/bin/env bash
# Builds OpenSearch's analysis-icu, -kuromoji, -nori and -smartcn plugins from the Java glue in
# this directory plus Lucene's analysis modules, because the package registry has no zips for them
# (OpenSearch issue #16656) but does have the Lucene jars. Called by `scripts/opensearch fetch`.
#
#   build.sh hash                              print the hash of this directory (the build's inputs)
#   build.sh build OS_HOME JAVA_HOME OUT_DIR   write OUT_DIR/<plugin>.zip for each plugin below,
#                                              unless OUT_DIR already holds a build of this hash
#
# The Lucene version is read from OS_HOME/lib (the modules must match the Lucene OpenSearch runs);
# the classes compile against OS_HOME/lib too, so nothing of OpenSearch is downloaded. Maven only
# downloads the Lucene jars and icu4j (see pom.xml). Progress goes to stderr.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MVN_DEP_PLUGIN="${MVN_DEP_PLUGIN:-org.apache.maven.plugins:maven-dependency-plugin:3.8.1}"

# plugin name | plugin class | jars bundled in its zip (artifactIds; versions come from Maven)
PLUGINS=(
  "analysis-icu|magpie.analysis.icu.IcuAnalysisPlugin|lucene-analysis-icu icu4j"
  "analysis-kuromoji|magpie.analysis.kuromoji.KuromojiAnalysisPlugin|lucene-analysis-kuromoji"
  "analysis-nori|magpie.analysis.nori.NoriAnalysisPlugin|lucene-analysis-nori"
  "analysis-smartcn|magpie.analysis.smartcn.SmartcnAnalysisPlugin|lucene-analysis-smartcn"
)

log() { echo "analysis-plugins: $*" >&2; }
die() { echo "analysis-plugins: error: $*" >&2; exit 1; }

source_hash() {
  (cd "$HERE" && find . -type f ! -name '*~' ! -name '.*' -print0 | LC_ALL=C sort -z | xargs -0 sha1sum) \
    | sha1sum | cut -c1-12
}

# The single file matching a glob, or nothing.
one() { local f; for f in "$@"; do [ -e "$f" ] && { echo "$f"; return; }; done; }

build() {
  local os_home="$1" java_home="$2" out="$3"
  local hash; hash="$(source_hash)"
  if [ -f "$out/.source-hash" ] && [ "$(cat "$out/.source-hash")" = "$hash" ]; then return 0; fi
  [ -x "$java_home/bin/javac" ] && [ -x "$java_home/bin/jar" ] || die "$java_home is not a JDK (no javac/jar)"

  local core os_jar lucene os_version java_release
  core="$(one "$os_home"/lib/lucene-core-*.jar)"
  os_jar="$(one "$os_home"/lib/opensearch-[0-9]*.jar)"
  [ -n "$core" ] && [ -n "$os_jar" ] || die "no lucene-core / opensearch jar in $os_home/lib"
  lucene="$(basename "$core" .jar)"; lucene="${lucene#lucene-core-}"
  os_version="$(basename "$os_jar" .jar)"; os_version="${os_version#opensearch-}"
  # The Java release OpenSearch itself targets: 21 for 3.x, 11 for 2.x.
  if [ "${os_version%%.*}" -ge 3 ]; then java_release=21; else java_release=11; fi

  local started=$SECONDS tmp="$out.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp/jars" "$tmp/classes"
  log "downloading Lucene $lucene analysis modules with Maven"
  # lucene-core and -analysis-common are in OpenSearch's lib/ already: bundling them would be jar hell.
  mvn -B -q -Dstyle.color=never -f "$HERE/pom.xml" "$MVN_DEP_PLUGIN:copy-dependencies" \
      -Dlucene.version="$lucene" -DoutputDirectory="$tmp/jars" \
      -DexcludeArtifactIds=lucene-core,lucene-analysis-common </dev/null >"$tmp/mvn.log" 2>&1 \
    || { tail -n 20 "$tmp/mvn.log" >&2; die "could not download the Lucene $lucene analysis jars"; }

  log "compiling against OpenSearch $os_version (Java $java_release)"
  find "$HERE" -name '*.java' >"$tmp/sources"
  "$java_home/bin/javac" --release "$java_release" -encoding UTF-8 -nowarn \
      -cp "$os_home/lib/*:$tmp/jars/*" -d "$tmp/classes" @"$tmp/sources" >&2 \
    || die "javac failed"

  local spec name class artifacts pkg dir a jar
  for spec in "${PLUGINS[@]}"; do
    IFS='|' read -r name class artifacts <<<"$spec"
    pkg="${class%.*}"; dir="$tmp/$name"
    mkdir -p "$dir"
    "$java_home/bin/jar" --create --file "$dir/$name-$os_version.jar" -C "$tmp/classes" "${pkg//.//}"
    for a in $artifacts; do
      jar="$(one "$tmp/jars/$a"-[0-9]*.jar)"
      [ -n "$jar" ] || die "Maven did not deliver $a"
      cp "$jar" "$dir/"
    done
    # The description carries the source hash: scripts/opensearch replaces installed copies whose
    # hash is not the current one.
    cat >"$dir/plugin-descriptor.properties" <<EOF
name=$name
description=$name (Lucene $lucene), built by Magpie from scripts/lib/analysis-plugins (magpie-build $hash)
version=$os_version
classname=$class
java.version=$java_release
opensearch.version=$os_version
EOF
    (cd "$dir" && "$java_home/bin/jar" --create --no-manifest --file "$tmp/$name.zip" .)
    rm -rf "$dir"
  done
  rm -rf "$tmp/classes" "$tmp/jars" "$tmp/sources" "$tmp/mvn.log"
  echo "$hash" >"$tmp/.source-hash"
  rm -rf "$out"; mv "$tmp" "$out"
  log "built ${#PLUGINS[@]} plugins in $(( SECONDS - started ))s into $out"
}

case "${1:-}" in
  hash) source_hash ;;
  build) [ $# -eq 4 ] || die "usage: build.sh build OS_HOME JAVA_HOME OUT_DIR"; build "$2" "$3" "$4" ;;
  *) die "usage: build.sh hash | build OS_HOME JAVA_HOME OUT_DIR" ;;
esac
