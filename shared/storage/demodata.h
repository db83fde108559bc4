#pragma once

#include "apprepository.h"
#include "database.h"
#include "secretbox.h"
#include "venuerepository.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace pomelo {

/// A demo app created by DemoData::load(), with its secret (shown once: written to apps.json).
struct DemoApp
{
    QString appId;
    QString name;
    QByteArray secret;
};

struct DemoDataResult
{
    int venuesAdded = 0;
    QList<DemoApp> appsAdded;
    QString appsFile; ///< set when apps were added
};

/// The demo data of embedded mode.
class DemoData
{
public:
    /// The default id of the venue booking backend (`booking.app_id`: the booking module signs
    /// its pay orders with this app).
    static QString venueBookingAppId() { return QStringLiteral("venue-booking"); }
    /// The water/electricity top-up backend.
    static QString utilityTopUpAppId() { return QStringLiteral("utility-topup"); }

    /// Idempotent: adds the demo venues when the venues table is empty, and the two demo apps
    /// (the booking app as @p bookingAppId, random secrets, notify hosts @p notifyHosts, internal
    /// as @p internalApps says) when the apps table is empty, and then
    /// writes their secrets to `<dataDir>/apps.json` (mode 0600). Adds nothing to a table that
    /// already holds data. Safe when two instances start at once.
    static DemoDataResult load(Database &db, const SecretBox &box, const QString &dataDir,
                               const QStringList &notifyHosts, bool internalApps = false,
                               qint64 now = 0, const QString &bookingAppId = venueBookingAppId());
    /// Inserts the booking module's app @p appId (a random secret, @p notifyHosts, @p internal)
    /// in @p tx unless an app of that id exists: the app that demo data and `pomelo-server init`
    /// create. Returns it with its secret when it was added.
    static std::optional<DemoApp> addBookingApp(Transaction &tx, AppRepository &apps,
                                                const QString &appId,
                                                const QStringList &notifyHosts, bool internal,
                                                qint64 now = 0);
    /// The same for any in-house app of the pay platform (booking, top-up) named @p name.
    static std::optional<DemoApp> addInHouseApp(Transaction &tx, AppRepository &apps,
                                                const QString &appId, const QString &name,
                                                const QStringList &notifyHosts, bool internal,
                                                qint64 now = 0);
    /// Badminton courts 1–4, basketball courts 1–2, table tennis tables 1–4, swimming lanes 1–3.
    static QList<Venue> venues();
    static QString appsFileName() { return QStringLiteral("apps.json"); }
};

} // namespace pomelo
