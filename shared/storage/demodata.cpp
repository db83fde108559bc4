#include "demodata.h"

#include "apprepository.h"
#include "sql_p.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace pomelo {

namespace {

// pg_advisory_xact_lock key of the demo loader: "pomelo-d".
constexpr qint64 DemoLockKey = 0x706f6d656c6f2d64;

qint64 countOf(Transaction &tx, const QString &table)
{
    storage_detail::Statement st(tx, QStringLiteral("SELECT COUNT(*) FROM ") + table);
    st.exec();
    return st.next() ? st.int64(0) : 0;
}

Venue venue(const QString &name, const char *sport, const char *from, const char *to, int minutes,
            qint64 price)
{
    Venue v;
    v.name = name;
    v.sport = QString::fromLatin1(sport);
    v.openFrom = QString::fromLatin1(from);
    v.openTo = QString::fromLatin1(to);
    v.slotMinutes = minutes;
    v.pricePerSlot = price;
    return v;
}

} // namespace

QList<Venue> DemoData::venues()
{
    QList<Venue> list;
    for (int i = 1; i <= 4; ++i)
        list << venue(QStringLiteral("羽毛球场 %1 号").arg(i), "badminton", "08:00", "22:00", 60,
                      2000);
    for (int i = 1; i <= 2; ++i)
        list << venue(QStringLiteral("篮球场 %1 号").arg(i), "basketball", "08:00", "22:00", 60,
                      4000);
    for (int i = 1; i <= 4; ++i)
        list << venue(QStringLiteral("乒乓球台 %1 号").arg(i), "table_tennis", "08:00", "21:00", 30,
                      500);
    for (int i = 1; i <= 3; ++i)
        list << venue(QStringLiteral("游泳馆 %1 号泳道").arg(i), "swimming", "06:30", "21:30", 90,
                      1500);
    return list;
}

std::optional<DemoApp> DemoData::addBookingApp(Transaction &tx, AppRepository &apps,
                                               const QString &appId, const QStringList &notifyHosts,
                                               bool internal, qint64 now)
{
    return addInHouseApp(tx, apps, appId, QStringLiteral("场馆预约"), notifyHosts, internal, now);
}

std::optional<DemoApp> DemoData::addInHouseApp(Transaction &tx, AppRepository &apps,
                                               const QString &appId, const QString &name,
                                               const QStringList &notifyHosts, bool internal,
                                               qint64 now)
{
    App app;
    app.appId = appId;
    app.name = name;
    app.secret = AppRepository::generateSecret();
    app.notifyHosts = notifyHosts;
    app.internal = internal;
    app.createdAt = now ? now : nowMs();
    if (!apps.insert(tx, app))
        return std::nullopt;
    return DemoApp {app.appId, app.name, app.secret};
}

DemoDataResult DemoData::load(Database &db, const SecretBox &box, const QString &dataDir,
                              const QStringList &notifyHosts, bool internalApps, qint64 now,
                              const QString &bookingAppId)
{
    if (!now)
        now = nowMs();
    DemoDataResult result;
    {
        Transaction tx(db);
        tx.advisoryLock(DemoLockKey);
        if (countOf(tx, QStringLiteral("venues")) == 0) {
            VenueRepository venues(db);
            for (Venue v : DemoData::venues()) {
                v.createdAt = now;
                venues.insert(tx, v);
                ++result.venuesAdded;
            }
        }
        if (countOf(tx, QStringLiteral("apps")) == 0) {
            AppRepository apps(db, box);
            if (const std::optional<DemoApp> booking =
                    addBookingApp(tx, apps, bookingAppId, notifyHosts, internalApps, now))
                result.appsAdded.append(*booking);
            if (const std::optional<DemoApp> topup =
                    addInHouseApp(tx, apps, utilityTopUpAppId(), QStringLiteral("水电充值"),
                                  notifyHosts, internalApps, now))
                result.appsAdded.append(*topup);
        }
        tx.commit();
    }
    if (!result.appsAdded.isEmpty()) {
        // Committed first: a file of secrets the database does not know would be worse than
        // secrets the server can still read from the database.
        QJsonArray array;
        for (const DemoApp &app : std::as_const(result.appsAdded))
            array.append(QJsonObject {
                {QStringLiteral("appId"), app.appId},
                {QStringLiteral("name"), app.name},
                {QStringLiteral("secret"), QString::fromLatin1(app.secret)},
                {QStringLiteral("notifyHosts"), QJsonArray::fromStringList(notifyHosts)}});
        result.appsFile = QDir(dataDir).filePath(appsFileName());
        writePrivateFile(result.appsFile,
                         QJsonDocument(QJsonObject {{QStringLiteral("apps"), array}}).toJson());
    }
    return result;
}

} // namespace pomelo
