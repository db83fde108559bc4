#pragma once

#include "app.h"
#include "database.h"
#include "secretbox.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace pomelo {

class AppRepository
{
public:
    AppRepository(Database &db, const SecretBox &box)
        : m_db(db)
        , m_box(box)
    { }

    /// false if the app id exists already (nothing written).
    bool insert(Transaction &tx, const App &app);
    /// With its secret. Throws Error(Internal) if the secret does not open (the database was
    /// sealed with another key file).
    std::optional<App> find(const QString &appId) const;
    /// Every app by id, secrets left empty.
    QList<App> list() const;
    qint64 count() const;

    bool rotateSecret(Transaction &tx, const QString &appId, const QByteArray &secret,
                      qint64 now = 0);
    bool setActive(Transaction &tx, const QString &appId, bool active, qint64 now = 0);
    bool setNotifyHosts(Transaction &tx, const QString &appId, const QStringList &hosts,
                        qint64 now = 0);

    /// "app_" and 16 random hex digits.
    static QString generateAppId();
    /// 32 random bytes as base64url text (43 characters): what an app is given once.
    static QByteArray generateSecret();

private:
    Database &m_db;
    const SecretBox &m_box;
};

} // namespace pomelo
