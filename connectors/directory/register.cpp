#include "connectors/directory/directory.h"

namespace sluis::connectors {

Status registerDirectory(connector::ConnectorRegistry& registry, const Clock* clock) {
    SLUIS_RETURN_IF_ERROR(registry.addSource(makeDirectorySourceFactory(clock)));
    return registry.addSink(makeDirectorySinkFactory());
}

}  // namespace sluis::connectors
