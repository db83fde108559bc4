#pragma once

#include <QStringList>

namespace pomelo {

class Config;

/// `pomelo-server app add --name NAME --notify-host HOST[:PORT]… [--internal]` (prints
/// {"appId","secret"}: the only time the secret is shown), `app list`, `app rotate-secret ID`.
/// @p args are the positional arguments after `app`; @p internal registers a campus service whose
/// notifyUrl may be on private addresses. Returns the process exit code; messages go to stdout /
/// stderr.
int runAppCommand(const Config &config, const QStringList &args, const QString &name,
                  const QStringList &notifyHosts, bool internal = false);

} // namespace pomelo
