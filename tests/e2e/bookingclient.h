#pragma once

// What the booking e2e tests share: a server on SQLite or on a private PostgreSQL, and a client
// that speaks the mini-program's API.
#include "pgserver.h"
#include "serverprocess.h"

#include <QDate>
#include <QJsonArray>
#include <QJsonObject>
#include <QTest>
#include <QTimeZone>

namespace pomelo::test {

inline QDate shanghaiToday()
{
    return QDateTime::currentDateTimeUtc()
        .toTimeZone(QTimeZone(QByteArrayLiteral("Asia/Shanghai")))
        .date();
}

inline QString tomorrow()
{
    return shanghaiToday().addDays(1).toString(Qt::ISODate);
}

/// Adds the "backend" column and a row per database; call first in a _data() function.
inline void addBackendColumn()
{
    QTest::addColumn<QString>("backend");
}

/// The backend column and one row per database: every e2e case runs on both.
/// A row per database backend: both, or those named in POMELO_E2E_BACKENDS (comma-separated;
/// the sanitizer build sets it to sqlite).
inline void addBackendRows()
{
    addBackendColumn();
    const QStringList only =
        qEnvironmentVariable("POMELO_E2E_BACKENDS").split(u',', Qt::SkipEmptyParts);
    for (const char *backend : {"sqlite", "postgres"}) {
        if (only.isEmpty() || only.contains(QLatin1String(backend)))
            QTest::newRow(backend) << QString::fromLatin1(backend);
    }
}

class BookingHarness
{
public:
    /// One PostgreSQL cluster per test binary; each server gets a fresh database.
    static PgServer &postgres()
    {
        static PgServer server;
        return server;
    }

    /// `--database URL` of a fresh PostgreSQL database for "postgres"; nothing for "sqlite" (the
    /// server's default file in its data dir). Reuse the result to restart a server on the same
    /// database.
    static QStringList databaseArgs(const QString &backend)
    {
        if (backend != QLatin1String("postgres"))
            return {};
        if (!postgres().isRunning() && !postgres().start())
            qFatal("PostgreSQL did not start: %s", qPrintable(postgres().errorString()));
        return {QStringLiteral("--database"), postgres().createDatabase(QStringLiteral("e2e"))};
    }

    /// The URL a test opens to look at what a server on @p args / @p dataDir stored.
    static QString databaseUrl(const QStringList &args, const QString &dataDir)
    {
        const qsizetype i = args.indexOf(QStringLiteral("--database"));
        if (i >= 0 && i + 1 < args.size())
            return args.at(i + 1);
        return QStringLiteral("sqlite:") + dataDir + QStringLiteral("/pomelo.db");
    }

    /// A server on @p backend ("sqlite" or "postgres").
    static std::unique_ptr<ServerProcess> startServer(const QString &backend, QStringList args = {},
                                                      QStringList env = {})
    {
        args << databaseArgs(backend);
        env << QStringLiteral("POMELO_SERVER_DEMO_DATA=on");
        auto server = std::make_unique<ServerProcess>(args, env);
        if (!server->start(30000)) {
            qWarning("%s", server->output().constData());
            return nullptr;
        }
        return server;
    }
};

/// A logged-in mini-program user.
class MiniProgramUser
{
public:
    MiniProgramUser(ServerProcess &server, const QString &name)
        : m_server(server)
    {
        const HttpResult r =
            m_server.post(QStringLiteral("/api/v1/auth/login"),
                          QJsonDocument(QJsonObject {{QStringLiteral("code"),
                                                      QString(QStringLiteral("u-") + name)}})
                              .toJson(QJsonDocument::Compact));
        m_token = r.json().object().value(QStringLiteral("token")).toString().toLatin1();
    }

    bool loggedIn() const { return !m_token.isEmpty(); }
    QByteArray token() const { return m_token; }
    QList<QPair<QByteArray, QByteArray>> auth() const
    {
        return {{"Authorization", "Bearer " + m_token}};
    }

    HttpResult get(const QString &path) const { return m_server.get(path, auth()); }
    HttpResult post(const QString &path, const QByteArray &body) const
    {
        return m_server.post(path, body, auth());
    }
    HttpResult put(const QString &path, const QByteArray &body) const
    {
        return httpRequest("PUT", m_server.url(path), body, auth());
    }
    HttpResult del(const QString &path) const
    {
        return httpRequest("DELETE", m_server.url(path), {}, auth());
    }

    HttpResult book(qint64 venueId, const QString &date, const QString &start,
                    const QString &end) const
    {
        return post(QStringLiteral("/api/v1/bookings"),
                    QJsonDocument(QJsonObject {{QStringLiteral("venueId"), venueId},
                                               {QStringLiteral("date"), date},
                                               {QStringLiteral("startTime"), start},
                                               {QStringLiteral("endTime"), end}})
                        .toJson(QJsonDocument::Compact));
    }

    /// startTime → state of every slot of the day.
    QHash<QString, QString> slotStates(qint64 venueId, const QString &date) const
    {
        QHash<QString, QString> states;
        const QJsonArray slotList =
            get(QStringLiteral("/api/v1/venues/%1/slots?date=%2").arg(venueId).arg(date))
                .json()
                .array();
        for (const QJsonValue &v : slotList)
            states.insert(v[QStringLiteral("startTime")].toString(),
                          v[QStringLiteral("state")].toString());
        return states;
    }

    int bookingCount() const
    {
        return static_cast<int>(get(QStringLiteral("/api/v1/bookings?limit=100"))
                                    .json()
                                    .object()
                                    .value(QStringLiteral("items"))
                                    .toArray()
                                    .size());
    }

private:
    ServerProcess &m_server;
    QByteArray m_token;
};

inline int errorCode(const HttpResult &r)
{
    return r.json().object().value(QStringLiteral("code")).toInt();
}

} // namespace pomelo::test
