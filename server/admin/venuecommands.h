#pragma once

#include <QCommandLineOption>
#include <QList>
#include <QStringList>

class QCommandLineParser;

namespace pomelo {

class Config;

/// The options of `pomelo-server venue …` (the command line adds them to its parser; `--name` is
/// shared with `app add`).
QList<QCommandLineOption> venueCommandOptions();

/// `venue list`, `venue add --name N --sport S --open-from HH:MM --open-to HH:MM --slot-minutes M
/// --price CENTS`, `venue edit ID [the same options] [--active true|false]`, `venue close ID
/// --from RFC3339 --to RFC3339 [--days 1,3,5] [--daily-from HH:MM --daily-to HH:MM] --reason R`.
/// Each prints JSON (the venue, the venues, or the closure with the bookings it covers); the
/// closure is not confirmed here: the refunds go through the running pay platform, so an admin
/// confirms it in the console (or `POST /admin/v1/venues/{id}/closures/{closureId}/confirm`).
/// Every change is written to the audit log as `cli:<OS user>`. @p args are the positional
/// arguments after `venue`. Returns the exit code (0, or 2 with a message on stderr).
int runVenueCommand(const Config &config, const QStringList &args,
                    const QCommandLineParser &parser);

} // namespace pomelo
