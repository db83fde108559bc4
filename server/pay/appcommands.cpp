#include "appcommands.h"

#include "config/config.h"
#include "domain/errors.h"
#include "storage/apprepository.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "storage/secretbox.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <cstdio>

namespace pomelo {

namespace {

void out(const QByteArray &text)
{
    std::fputs(text.constData(), stdout);
    std::fputs("\n", stdout);
}

int fail(const QString &text)
{
    std::fputs(qUtf8Printable(QStringLiteral("pomelo-server app: ") + text + u'\n'), stderr);
    return 2;
}

} // namespace

int runAppCommand(const Config &config, const QStringList &args, const QString &name,
                  const QStringList &notifyHosts, bool internal)
{
    const QString sub = args.value(0);
    if (sub != QLatin1String("add") && sub != QLatin1String("list")
        && sub != QLatin1String("rotate-secret"))
        return fail(QStringLiteral("usage: app add --name NAME --notify-host HOST[:PORT]… "
                                   "[--internal] | app list | app rotate-secret ID"));
    try {
        QDir().mkpath(config.dataDir());
        Database db(config.databaseUrl());
        Migrator(db).migrate();
        const SecretBox box =
            SecretBox::loadOrCreate(config.dataDir() + QStringLiteral("/secret.key"));
        AppRepository apps(db, box);

        if (sub == QLatin1String("add")) {
            static const QRegularExpression hostRe(QStringLiteral(
                "^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})(:([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}"
                "|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?$"));
            if (name.trimmed().isEmpty() || name.size() > 64)
                return fail(QStringLiteral("--name NAME (1..64 characters) is required"));
            if (notifyHosts.isEmpty())
                return fail(QStringLiteral("at least one --notify-host HOST is required"));
            for (const QString &h : notifyHosts) {
                if (!hostRe.match(h).hasMatch())
                    return fail(QStringLiteral("not a host name: ") + h);
            }
            App app;
            app.appId = AppRepository::generateAppId();
            app.name = name.trimmed();
            app.secret = AppRepository::generateSecret();
            app.notifyHosts = notifyHosts;
            app.internal = internal;
            const bool added = db.transact([&](Transaction &tx) { return apps.insert(tx, app); });
            if (!added)
                return fail(QStringLiteral("app id collision, try again"));
            out(QJsonDocument(
                    QJsonObject {{QStringLiteral("appId"), app.appId},
                                 {QStringLiteral("secret"), QString::fromLatin1(app.secret)}})
                    .toJson(QJsonDocument::Compact));
            return 0;
        }
        if (sub == QLatin1String("list")) {
            QJsonArray list;
            const QList<App> all = apps.list();
            for (const App &a : all)
                list.append(QJsonObject {
                    {QStringLiteral("appId"), a.appId},
                    {QStringLiteral("name"), a.name},
                    {QStringLiteral("notifyHosts"), QJsonArray::fromStringList(a.notifyHosts)},
                    {QStringLiteral("internal"), a.internal},
                    {QStringLiteral("active"), a.active}});
            out(QJsonDocument(list).toJson(QJsonDocument::Compact));
            return 0;
        }
        const QString appId = args.value(1);
        if (appId.isEmpty())
            return fail(QStringLiteral("usage: app rotate-secret ID"));
        const QByteArray secret = AppRepository::generateSecret();
        const bool rotated =
            db.transact([&](Transaction &tx) { return apps.rotateSecret(tx, appId, secret); });
        if (!rotated)
            return fail(QStringLiteral("no such app: ") + appId);
        out(QJsonDocument(QJsonObject {{QStringLiteral("appId"), appId},
                                       {QStringLiteral("secret"), QString::fromLatin1(secret)}})
                .toJson(QJsonDocument::Compact));
        return 0;
    } catch (const Error &e) {
        return fail(e.detail());
    }
}

} // namespace pomelo
