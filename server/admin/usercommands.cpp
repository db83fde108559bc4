#include "usercommands.h"

#include "config/config.h"
#include "domain/crypto.h"
#include "domain/errors.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "storage/staffuserrepository.h"

#include <QDateTime>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTextStream>

#include <cstdio>

namespace pomelo {

namespace {

void out(const QJsonDocument &doc)
{
    std::fputs(doc.toJson(QJsonDocument::Compact).constData(), stdout);
    std::fputs("\n", stdout);
}

int fail(const QString &text)
{
    std::fputs(qUtf8Printable(QStringLiteral("pomelo-server user: ") + text + u'\n'), stderr);
    return 2;
}

const char Usage[] = "usage: user add --username U --role staff|admin [--password P|-] | "
                     "user passwd U [--password P|-] | user disable U | user enable U | user list";

/// `user list`: every user as JSON.
int listUsers(StaffUserRepository &users, const QTimeZone &zone)
{
    QJsonArray list;
    const QList<StaffUser> all = users.list();
    for (const StaffUser &u : all) {
        QJsonObject o {{QStringLiteral("username"), u.username},
                       {QStringLiteral("role"), staffRoleName(u.role)},
                       {QStringLiteral("disabled"), u.disabled}};
        if (u.lastLoginAt)
            o.insert(
                QStringLiteral("lastLoginAt"),
                QDateTime::fromMSecsSinceEpoch(*u.lastLoginAt, zone).toString(Qt::ISODateWithMs));
        list.append(o);
    }
    out(QJsonDocument(list));
    return 0;
}

/// `user add`: nullopt once added, else the exit code.
std::optional<int> addUser(Database &db, StaffUserRepository &users,
                           const UserCommandOptions &options, const QString &password)
{
    static const QRegularExpression nameRe(QStringLiteral("^[A-Za-z0-9._-]{1,64}$"));
    if (!nameRe.match(options.username).hasMatch())
        return fail(QStringLiteral("--username U (1..64 of A-Z a-z 0-9 . _ -) is required"));
    const std::optional<StaffRole> role = staffRoleFromName(options.role);
    if (!role)
        return fail(QStringLiteral("--role staff|admin is required"));
    StaffUser user;
    user.username = options.username;
    user.role = *role;
    user.passwordHash = crypto::hashPassword(password);
    const std::optional<qint64> id =
        db.transact([&](Transaction &tx) { return users.insert(tx, user); });
    if (!id)
        return fail(QStringLiteral("the username is taken: ") + options.username);
    return std::nullopt;
}

/// `user passwd|disable|enable U`: nullopt after a new password, else the exit code.
std::optional<int> changeUser(Database &db, StaffUserRepository &users, const QString &sub,
                              const QString &name, const QString &password)
{
    if (name.isEmpty())
        return fail(QString::fromLatin1(Usage));
    const std::optional<StaffUser> user = users.findByUsername(name);
    if (!user)
        return fail(QStringLiteral("no such user: ") + name);
    db.transact([&](Transaction &tx) {
        if (sub == QLatin1String("passwd"))
            users.setPasswordHash(tx, user->id, crypto::hashPassword(password));
        else
            users.setDisabled(tx, user->id, sub == QLatin1String("disable"));
    });
    if (sub == QLatin1String("passwd"))
        return std::nullopt;
    out(QJsonDocument(QJsonObject {{QStringLiteral("username"), name},
                                   {QStringLiteral("disabled"), sub == QLatin1String("disable")}}));
    return 0;
}

/// The password of `--password`: "-" reads a line from stdin; empty when none was given.
QString passwordOption(const UserCommandOptions &options)
{
    if (options.password != QLatin1String("-"))
        return options.password;
    QTextStream in(stdin);
    return in.readLine();
}

} // namespace

int runUserCommand(const Config &config, const QStringList &args, const UserCommandOptions &options)
{
    const QString sub = args.value(0);
    static const QStringList subs {QStringLiteral("add"), QStringLiteral("passwd"),
                                   QStringLiteral("disable"), QStringLiteral("enable"),
                                   QStringLiteral("list")};
    if (!subs.contains(sub))
        return fail(QString::fromLatin1(Usage));

    QString password = passwordOption(options);
    const bool generated = password.isEmpty();
    if (!generated && password.size() < 8)
        return fail(QStringLiteral("the password needs at least 8 characters"));
    if (generated)
        password = crypto::randomToken(12);

    try {
        QDir().mkpath(config.dataDir());
        Database db(config.databaseUrl());
        Migrator(db).migrate();
        StaffUserRepository users(db);
        if (sub == QLatin1String("list"))
            return listUsers(users, config.timeZone());
        const QString name = sub == QLatin1String("add") ? options.username : args.value(1);
        const std::optional<int> done = sub == QLatin1String("add")
            ? addUser(db, users, options, password)
            : changeUser(db, users, sub, name, password);
        if (done)
            return *done;
        QJsonObject result {{QStringLiteral("username"), name}};
        if (generated) // the only time it is shown
            result.insert(QStringLiteral("password"), password);
        out(QJsonDocument(result));
        return 0;
    } catch (const Error &e) {
        return fail(e.detail());
    }
}

} // namespace pomelo
