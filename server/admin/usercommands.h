#pragma once

#include <QStringList>

namespace pomelo {

class Config;

/// Options of `pomelo-server user …` besides the positional arguments.
struct UserCommandOptions
{
    QString username; ///< --username (user add)
    QString role; ///< --role staff|admin (user add)
    /// --password P; "-" reads one line from stdin; empty: a generated password is printed.
    QString password;
};

/// `user add --username U --role staff|admin [--password P]`, `user passwd U [--password P]`,
/// `user disable U`, `user enable U`, `user list`. A generated password is printed once as JSON
/// `{"username", "password"}`. @p args are the positional arguments after `user`. Returns the
/// process exit code (0, or 2 with a message on stderr).
int runUserCommand(const Config &config, const QStringList &args,
                   const UserCommandOptions &options);

} // namespace pomelo
