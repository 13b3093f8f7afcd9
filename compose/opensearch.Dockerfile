# OpenSearch for Magpie's compose stack (compose/docker-compose.yml): the stock image of the
# version scripts/opensearch runs, plus the analysis plugins Magpie's index templates use.
#
# scripts/lib/opensearch-plugins.txt lists the plugins Magpie wants. The stock image is the full
# distribution, so it already bundles the job scheduler, index management (ISM) and custom codecs;
# it has none of the analysis plugins. Installed by name, those come from OpenSearch's own servers
# in exactly the image's version. The build fails when a required plugin is missing and warns for
# an optional one, as `scripts/opensearch fetch` does. test/unit/compose.test.ts checks that the
# lists below match opensearch-plugins.txt and that the version matches scripts/opensearch.
ARG OPENSEARCH_VERSION=3.6.0
FROM opensearchproject/opensearch:${OPENSEARCH_VERSION}

# Magpie talks plain HTTP to the nodes on the stack's internal network, which nothing outside can
# reach. So the security plugin (TLS, users) stays off and its demo configuration is not installed.
ENV DISABLE_SECURITY_PLUGIN=true \
    DISABLE_INSTALL_DEMO_CONFIG=true

# The last two steps serve compose: its healthcheck calls curl, and snapshots/ is every node's
# path.repo (one volume they share, for `magpie snapshot`). Made here as the image's opensearch
# user, the directory gives that volume its owner.
RUN set -eu; \
    opensearch-plugin install --batch analysis-icu analysis-kuromoji analysis-nori analysis-smartcn; \
    installed="$(opensearch-plugin list)"; \
    for required in opensearch-job-scheduler analysis-icu analysis-kuromoji analysis-nori analysis-smartcn; do \
      echo "$installed" | grep -qx "$required" || { echo "required plugin $required is missing" >&2; exit 1; }; \
    done; \
    for optional in opensearch-index-management opensearch-custom-codecs; do \
      echo "$installed" | grep -qx "$optional" || echo "WARNING: optional plugin $optional is missing" >&2; \
    done; \
    command -v curl >/dev/null || { echo "curl is missing: the compose healthcheck needs it" >&2; exit 1; }; \
    mkdir -p /usr/share/opensearch/snapshots
