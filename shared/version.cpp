#include "version.h"

#include "pomelo_version.h"

namespace pomelo {

QString version()
{
    return QStringLiteral(POMELO_VERSION);
}

} // namespace pomelo
